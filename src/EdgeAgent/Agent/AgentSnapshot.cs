namespace Pipeline.EdgeAgent.Agent;

/// <summary>
/// A consistent-enough moment of one agent's telemetry, for reports; each number is read atomically.
/// SamplesSent and FramesSent count what was recorded into the outbox; OutboxDepth is what still waits for the
/// broker's acknowledgement, OutboxDropped what the outbox's size cap discarded. For a golf club, SwingsDetected,
/// SwingsMissed and FalseSwingDetections score the edge swing detector against the labelled sessions
/// (docs/DEVICES.md, "Swing detection"); they stay 0 for a microscope. ModelChunksFetched counts artifact chunks
/// this run fetched from the broker and verified, not those a resumed download found on disk.
/// </summary>
public sealed record AgentSnapshot(
    string DeviceId,
    string Task,
    int? ModelVersion,
    long Predictions,
    long CorrectPredictions,
    long SamplesSent,
    long FramesSent,
    long Rejections,
    int OutboxDepth,
    long OutboxDropped,
    long SwingsDetected,
    long SwingsMissed,
    long FalseSwingDetections,
    long ModelChunksFetched);

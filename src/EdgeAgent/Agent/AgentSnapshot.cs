namespace Pipeline.EdgeAgent.Agent;

/// <summary>A consistent-enough moment of one agent's counters, for reports; each number is read atomically.</summary>
public sealed record AgentSnapshot(
    string DeviceId,
    string Task,
    int? ModelVersion,
    long Predictions,
    long CorrectPredictions,
    long SamplesSent,
    long FramesSent,
    long Rejections);

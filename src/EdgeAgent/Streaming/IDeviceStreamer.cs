using Pipeline.EdgeAgent.Inference;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>Runs one simulated device: records sessions in simulated time, publishes them, offers them for inference.</summary>
internal interface IDeviceStreamer
{
    Task RunAsync(InferenceLoop inference, CancellationToken cancellationToken);
}

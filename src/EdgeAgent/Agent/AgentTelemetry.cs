using System.Diagnostics.Metrics;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>
/// One agent's telemetry: each event is counted once, here, by the loop it happens in, into running totals that
/// snapshots (<see cref="AgentSnapshot"/>) read on any thread, and on its instrument of the "Pipeline.EdgeAgent" meter
/// (<see cref="AgentTelemetryInstruments"/>, tagged with the device id) in the same call. Disposing it takes the agent
/// off the meter's gauges.
/// </summary>
internal sealed class AgentTelemetry(AgentTelemetryInstruments instruments, string deviceId) : IDisposable
{
    private readonly KeyValuePair<string, object?> _device = Present(instruments, deviceId);

    private long _predictions;
    private long _correctPredictions;
    private long _samplesSent;
    private long _framesSent;
    private long _rejections;
    private long _inferenceDrops;
    private long _swingsDetected;
    private long _swingsMissed;
    private long _falseSwingDetections;
    private long _modelChunksFetched;

    public long Predictions => Interlocked.Read(ref _predictions);

    public long CorrectPredictions => Interlocked.Read(ref _correctPredictions);

    public long SamplesSent => Interlocked.Read(ref _samplesSent);

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long Rejections => Interlocked.Read(ref _rejections);

    public long InferenceDrops => Interlocked.Read(ref _inferenceDrops);

    /// <summary>Labelled swing sessions in which the edge detector found a swing.</summary>
    public long SwingsDetected => Interlocked.Read(ref _swingsDetected);

    /// <summary>Labelled swing sessions in which the edge detector found nothing: its misses.</summary>
    public long SwingsMissed => Interlocked.Read(ref _swingsMissed);

    /// <summary>Detections in no labelled session, or in one that already had a detection: the detector's false positives.</summary>
    public long FalseSwingDetections => Interlocked.Read(ref _falseSwingDetections);

    /// <summary>Artifact chunks fetched and verified, not those restored from a resumed download on disk.</summary>
    public long ModelChunksFetched => Interlocked.Read(ref _modelChunksFetched);

    /// <summary>The device's tag, with its counters present from the start, at 0, so that a dashboard's rate() has a series before the first event.</summary>
    private static KeyValuePair<string, object?> Present(AgentTelemetryInstruments instruments, string deviceId)
    {
        var device = new KeyValuePair<string, object?>("device", deviceId);
        foreach (var counter in (Counter<long>[])[instruments.Samples, instruments.Frames, instruments.Predictions, instruments.InferenceDrops, instruments.ModelsRefused])
        {
            counter.Add(0, device);
        }

        return device;
    }

    /// <summary>Lets the meter's gauges (outbox depth, dropped messages, model version) read this agent's snapshots.</summary>
    public void Observe(Func<AgentSnapshot> snapshot) => instruments.Observe(deviceId, snapshot);

    public void Dispose() => instruments.Forget(deviceId);

    /// <summary>
    /// A prediction was published; <paramref name="correct"/> when it matched the simulated truth; its inference took
    /// <paramref name="latencyMs"/>.
    /// </summary>
    public void Predicted(bool correct, double latencyMs)
    {
        instruments.Predictions.Add(1, _device);
        instruments.InferenceLatency.Record(latencyMs, _device);
        Interlocked.Increment(ref _predictions);
        if (correct)
        {
            Interlocked.Increment(ref _correctPredictions);
        }
    }

    /// <summary>Motion samples were recorded into the outbox.</summary>
    public void SamplesRecorded(int count)
    {
        instruments.Samples.Add(count, _device);
        Interlocked.Add(ref _samplesSent, count);
    }

    /// <summary>A frame was recorded into the outbox.</summary>
    public void FrameRecorded()
    {
        instruments.Frames.Add(1, _device);
        Interlocked.Increment(ref _framesSent);
    }

    /// <summary>An announced model was refused.</summary>
    public void ModelRefused()
    {
        instruments.ModelsRefused.Add(1, _device);
        Interlocked.Increment(ref _rejections);
    }

    /// <summary>An input was dropped because inference fell behind sampling.</summary>
    public void InferenceDropped()
    {
        instruments.InferenceDrops.Add(1, _device);
        Interlocked.Increment(ref _inferenceDrops);
    }

    public void SwingDetected() => Interlocked.Increment(ref _swingsDetected);

    public void SwingMissed() => Interlocked.Increment(ref _swingsMissed);

    public void FalseSwingDetected() => Interlocked.Increment(ref _falseSwingDetections);

    public void ModelChunkFetched() => Interlocked.Increment(ref _modelChunksFetched);
}

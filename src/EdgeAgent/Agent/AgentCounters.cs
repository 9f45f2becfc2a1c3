namespace Pipeline.EdgeAgent.Agent;

/// <summary>One agent's running totals, updated from its loops and read by snapshots on any thread.</summary>
internal sealed class AgentCounters
{
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

    public void AddPrediction(bool correct)
    {
        Interlocked.Increment(ref _predictions);
        if (correct)
        {
            Interlocked.Increment(ref _correctPredictions);
        }
    }

    public void AddSamples(int count) => Interlocked.Add(ref _samplesSent, count);

    public void AddFrame() => Interlocked.Increment(ref _framesSent);

    public void AddRejection() => Interlocked.Increment(ref _rejections);

    public void AddInferenceDrop() => Interlocked.Increment(ref _inferenceDrops);

    public void AddSwingDetected() => Interlocked.Increment(ref _swingsDetected);

    public void AddSwingMissed() => Interlocked.Increment(ref _swingsMissed);

    public void AddFalseSwingDetection() => Interlocked.Increment(ref _falseSwingDetections);

    public void AddModelChunkFetched() => Interlocked.Increment(ref _modelChunksFetched);
}

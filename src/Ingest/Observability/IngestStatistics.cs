namespace Pipeline.Ingest.Observability;

/// <summary>Running totals of this ingest process, safe to read from any thread (e.g. by the runner for its report).</summary>
public sealed class IngestStatistics
{
    private long _motionBatches;
    private long _motionSamples;
    private long _frames;
    private long _labels;
    private long _statusMessages;
    private long _quarantined;
    private long _duplicates;
    private long _spilled;
    private long _drained;

    /// <summary>Motion batches the store reported as new.</summary>
    public long MotionBatches => Interlocked.Read(ref _motionBatches);

    /// <summary>Samples in valid motion batches handed to the store, redelivered duplicates included; the store's own count is exact.</summary>
    public long MotionSamples => Interlocked.Read(ref _motionSamples);

    /// <summary>Frames the store reported as new.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Labels the store reported as new.</summary>
    public long Labels => Interlocked.Read(ref _labels);

    public long StatusMessages => Interlocked.Read(ref _statusMessages);

    public long Quarantined => Interlocked.Read(ref _quarantined);

    /// <summary>Valid messages the store already had (redeliveries, republished sequences).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Messages written to the on-disk spill (and then acknowledged) while the store was unavailable.</summary>
    public long Spilled => Interlocked.Read(ref _spilled);

    /// <summary>Spilled messages replayed into the store (from this run's spill or an earlier one's).</summary>
    public long Drained => Interlocked.Read(ref _drained);

    internal void AddMotion(long newBatches, long samples) { Interlocked.Add(ref _motionBatches, newBatches); Interlocked.Add(ref _motionSamples, samples); }

    internal void AddFrames(long count) => Interlocked.Add(ref _frames, count);

    internal void AddLabels(long count) => Interlocked.Add(ref _labels, count);

    internal void AddStatus() => Interlocked.Increment(ref _statusMessages);

    internal void AddQuarantined() => Interlocked.Increment(ref _quarantined);

    internal void AddDuplicates(long count) => Interlocked.Add(ref _duplicates, count);

    internal void AddSpilled(long count) => Interlocked.Add(ref _spilled, count);

    internal void AddDrained(long count) => Interlocked.Add(ref _drained, count);

    public override string ToString() =>
        $"motion batches {MotionBatches} ({MotionSamples} samples), frames {Frames}, labels {Labels}, status {StatusMessages}, quarantined {Quarantined}, duplicates {Duplicates}, spilled {Spilled}, drained {Drained}";
}

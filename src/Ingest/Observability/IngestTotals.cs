namespace Pipeline.Ingest.Observability;

/// <summary>
/// The running totals of one ingest process at one moment (<see cref="IngestTelemetry.Totals"/>).
/// MotionBatches, Frames and Labels count what the store reported as new; MotionSamples counts the samples of valid
/// motion batches handed to the store, redelivered duplicates included (the store's own count is exact); Duplicates
/// are valid messages the store already had (redeliveries, republished sequences); Spilled were written to the on-disk
/// spill (and then acknowledged) while the store was unavailable; Drained were replayed from a spill into the store
/// (this run's or an earlier one's); Records count the new data messages of tasks beyond swing and droplet; Predictions
/// count the new device predictions.
/// </summary>
public sealed record IngestTotals(
    long MotionBatches,
    long MotionSamples,
    long Frames,
    long Labels,
    long StatusMessages,
    long Quarantined,
    long Duplicates,
    long Spilled,
    long Drained,
    long Records,
    long Predictions)
{
    public override string ToString() =>
        $"motion batches {MotionBatches} ({MotionSamples} samples), frames {Frames}, labels {Labels}, status {StatusMessages}, quarantined {Quarantined}, duplicates {Duplicates}, spilled {Spilled}, drained {Drained}, other tasks' records {Records}, predictions {Predictions}";
}

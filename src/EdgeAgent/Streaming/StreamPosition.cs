using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// Where a streamer resumes: the stream id, sequence and session numbers saved with the outbox, and a time base
/// no earlier than the last timestamp already recorded, so a restarted agent continues the same stream with
/// strictly increasing timestamps and never reuses a sequence number.
/// </summary>
internal sealed class StreamPosition
{
    private readonly SimulatedClock _clock;

    public StreamPosition(StreamCheckpoint? saved, SimulatedClock clock)
    {
        var checkpoint = saved ?? StreamCheckpoint.Fresh();
        _clock = clock;
        StreamId = checkpoint.StreamId;
        NextSequence = checkpoint.NextSequence;
        FirstSession = checkpoint.NextSession;
        Resumed = saved is not null;

        // Simulated time may have run ahead of wall time in the previous run: start after it, not before.
        BaseMicros = Math.Max(clock.StartMicros, checkpoint.NextTimestampMicros);
    }

    public uint StreamId { get; }

    public ulong NextSequence { get; set; }

    public long FirstSession { get; }

    public bool Resumed { get; }

    /// <summary>The timestamp of this run's first sample or frame.</summary>
    public long BaseMicros { get; }

    public StreamCheckpoint CheckpointAfter(long nextSession, long nextTimestampMicros) => new(StreamId, NextSequence, nextSession, nextTimestampMicros);

    /// <summary>Waits until the device has "recorded" up to <paramref name="timestampMicros"/> on this run's time base.</summary>
    public Task WaitUntilAsync(long timestampMicros, CancellationToken cancellationToken) =>
        _clock.WaitUntilAsync(timestampMicros - (BaseMicros - _clock.StartMicros), cancellationToken);
}

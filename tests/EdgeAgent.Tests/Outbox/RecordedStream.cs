using Pipeline.EdgeAgent.Outbox;
using Pipeline.Protocol;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Outbox;

/// <summary>
/// What one golf agent recorded, as the agent itself tells it rather than as a receiver saw it: the sequence number
/// each of its runs started at, and the stream position its outbox ended at. Set against what a subscriber received, it
/// accounts for every batch (by sequence number), every sample (by timestamp) and every session label (by session).
/// Within one run the samples lie on one grid (one sample period apart); a restart may jump ahead in time, so each
/// run's grid starts at the first sample of the batch that run started with.
/// </summary>
internal sealed class RecordedStream(string device)
{
    private readonly List<ulong> _runStarts = [];

    /// <summary>A run of the agent started streaming at <paramref name="firstSequence"/>.</summary>
    public void RunStarted(ulong firstSequence) => _runStarts.Add(firstSequence);

    /// <summary>
    /// Receivers drop identical redeliveries (a restarted agent publishes again what the broker acknowledged after the
    /// outbox last saved its cursor), so one copy of each distinct payload counts; a different payload under a sequence
    /// number or session already seen counts as a duplicate.
    /// </summary>
    public DeliveryAccount Account(string scenario, ReceivedStream received, StreamCheckpoint end)
    {
        var batches = received.DistinctPayloads(received.MotionTopic).Select(p => MotionBatchCodec.Decode(p).Value!).ToList();
        var labels = received.DistinctPayloads(received.LabelTopic).Select(p => ControlMessageCodec.DecodeSessionLabel(p).Value!).ToList();
        var account = new DeliveryAccount(scenario);
        account.Add($"{device} batches", [.. Range(0, (long)end.NextSequence)], [.. batches.Select(b => (long)b.Sequence)]);
        account.Add($"{device} samples", SentSampleTimes(batches, end), [.. batches.SelectMany(b => Enumerable.Range(0, b.SampleCount).Select(b.TimestampOf))]);
        account.Add($"{device} session labels", [.. Range(0, end.NextSession)], [.. labels.Select(ReceivedStream.SessionNumberOf)]);
        return account;
    }

    /// <summary>
    /// Each run's grid, from the first sample of its first batch to the end of its last one. A run whose first or last
    /// batch never arrived has no known grid; the batch row counts that loss.
    /// </summary>
    private List<long> SentSampleTimes(List<MotionBatch> batches, StreamCheckpoint end)
    {
        var bySequence = batches.GroupBy(b => b.Sequence).ToDictionary(g => g.Key, g => g.First());
        var sent = new List<long>();
        var starts = _runStarts.Order().Distinct().ToList();
        for (var run = 0; run < starts.Count; run++)
        {
            var stop = run + 1 < starts.Count ? starts[run + 1] : end.NextSequence;
            if (stop == starts[run] || !bySequence.TryGetValue(starts[run], out var first) || !bySequence.TryGetValue(stop - 1, out var last))
            {
                continue;
            }

            var period = 1_000_000d / first.SampleRateHz;
            var endMicros = last.TimestampOf(last.SampleCount);
            for (var k = 0; first.TimestampOf(0) + (long)Math.Round(k * period) < endMicros; k++)
            {
                sent.Add(first.TimestampOf(0) + (long)Math.Round(k * period));
            }
        }

        return sent;
    }

    private static IEnumerable<long> Range(long from, long to)
    {
        for (var i = from; i < to; i++)
        {
            yield return i;
        }
    }
}

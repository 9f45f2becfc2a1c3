using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Tests.Outbox;

/// <summary>What a subscriber received from one golf agent, de-duplicated the way a receiver must (stream id, sequence; session id).</summary>
internal sealed class ReceivedStream(TopicRecorder recorder, string device)
{
    public string MotionTopic => Topics.Motion(Topics.DefaultSite, device);

    public string LabelTopic => Topics.Labels(Topics.DefaultSite, device);

    public int RawBatchCount => recorder.On(MotionTopic).Count;

    /// <summary>Every batch received, duplicates included, in arrival order.</summary>
    public IReadOnlyList<MotionBatch> AllBatches() =>
        [.. recorder.On(MotionTopic).Select(m => MotionBatchCodec.Decode(m.Payload)).Select(r => r.IsSuccess ? r.Value! : throw new InvalidOperationException(r.Error!.Message))];

    /// <summary>The first copy of each (stream, sequence), in arrival order.</summary>
    public IReadOnlyList<MotionBatch> Batches() => [.. AllBatches().DistinctBy(b => (b.StreamId, b.Sequence))];

    /// <summary>The first copy of each session's label, in arrival order.</summary>
    public IReadOnlyList<SessionLabel> Labels() =>
        [.. recorder.On(LabelTopic).Select(m => ControlMessageCodec.DecodeSessionLabel(m.Payload).Value!).DistinctBy(l => l.SessionId)];

    /// <summary>One copy of each distinct payload received on <paramref name="topic"/>, in arrival order: identical redeliveries collapse, anything else stays.</summary>
    public IReadOnlyList<byte[]> DistinctPayloads(string topic) =>
        [.. recorder.On(topic).Select(m => m.Payload).DistinctBy(Convert.ToBase64String)];

    public static long SessionNumberOf(SessionLabel label) => long.Parse(label.SessionId[(label.SessionId.IndexOf('-', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Asserts one stream whose sequence numbers arrived in order from 0 with none missing, and whose timestamps only go forward.</summary>
    public void AssertOneCompleteStreamInOrder()
    {
        var batches = Batches();
        Assert.NotEmpty(batches);
        Assert.Single(batches.Select(b => b.StreamId).Distinct());
        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => (ulong)i), batches.Select(b => b.Sequence));
        for (var i = 1; i < batches.Count; i++)
        {
            Assert.True(batches[i].FirstTimestampMicros >= batches[i - 1].TimestampOf(batches[i - 1].SampleCount),
                $"batch {i} starts at {batches[i].FirstTimestampMicros}, before batch {i - 1} ends");
        }
    }
}

using Pipeline.Protocol;
using Pipeline.Storage.Predictions;
using static Pipeline.Storage.Tests.TelemetrySamples;

namespace Pipeline.Storage.Tests;

/// <summary>
/// What every <see cref="ITelemetryStore"/> must do. Each backend's test class inherits this and says how
/// to open its store; every call of <see cref="OpenStoreAsync"/> within one test opens the same store.
/// </summary>
public abstract class TelemetryStoreContract
{
    protected static CancellationToken None => CancellationToken.None;

    protected abstract ValueTask<ITelemetryStore> OpenStoreAsync();

    [Fact]
    public async Task WriteMotion_ThenRead_ReturnsEverySampleWithItsTimestamp()
    {
        await using var store = await OpenStoreAsync();
        var batch = Motion("club-1", 1, T0, samples: 5);

        Assert.Equal(1, await store.WriteMotionAsync([batch], None));
        var series = await store.ReadMotionAsync("club-1", T0, T0 + 10 * SampleMicros, None);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => T0 + i * SampleMicros), series.TimestampsMicros);
        Assert.Equal(batch.Samples, series.Samples);
    }

    [Fact]
    public async Task WriteMotion_SameBatchAgain_StoresNothingNew()
    {
        await using var store = await OpenStoreAsync();
        var batch = Motion("club-1", 1, T0);

        Assert.Equal(1, await store.WriteMotionAsync([batch], None));
        Assert.Equal(0, await store.WriteMotionAsync([batch], None));
        Assert.Equal(0, await store.WriteMotionAsync([batch, batch], None));

        Assert.Equal(4, (await store.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Count);
        Assert.Equal(new StoreCounts(1, 4, 0, 0), await store.CountAsync(None));
    }

    [Fact]
    public async Task WriteMotion_SameSequenceOnOtherStreamOrDevice_IsADifferentBatch()
    {
        await using var store = await OpenStoreAsync();

        var written = await store.WriteMotionAsync(
            [Motion("club-1", 1, T0, stream: 1), Motion("club-1", 1, T0 + 1_000_000, stream: 2), Motion("club-2", 1, T0)], None);

        Assert.Equal(3, written);
        Assert.Equal(8, (await store.ReadMotionAsync("club-1", T0, T0 + 2_000_000, None)).Count);
        Assert.Equal(4, (await store.ReadMotionAsync("club-2", T0, T0 + 2_000_000, None)).Count);
    }

    [Fact]
    public async Task ReadMotion_Window_IncludesItsStartAndExcludesItsEnd()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteMotionAsync([Motion("club-1", 1, T0, samples: 10)], None);

        var series = await store.ReadMotionAsync("club-1", T0 + 2 * SampleMicros, T0 + 5 * SampleMicros, None);

        Assert.Equal([T0 + 2 * SampleMicros, T0 + 3 * SampleMicros, T0 + 4 * SampleMicros], series.TimestampsMicros);
        Assert.Equal(Motion("club-1", 1, T0, samples: 10).Samples.AsSpan(2 * 8, 8).ToArray(), series.Sample(0).ToArray());
    }

    [Fact]
    public async Task ReadMotion_EmptyOrInvertedWindowOrUnknownDevice_ReturnsNoSamples()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteMotionAsync([Motion("club-1", 1, T0)], None);

        Assert.Equal(0, (await store.ReadMotionAsync("club-1", T0, T0, None)).Count);
        Assert.Equal(0, (await store.ReadMotionAsync("club-1", T0 + 10, T0, None)).Count);
        Assert.Equal(0, (await store.ReadMotionAsync("club-9", T0, T0 + 1_000_000, None)).Count);
        Assert.Equal(0, (await store.ReadMotionAsync("club-1", T0 + 4 * SampleMicros, T0 + 1_000_000, None)).Count);
    }

    [Fact]
    public async Task ReadMotion_BatchesWrittenOutOfOrder_ComeBackInTimeOrder()
    {
        await using var store = await OpenStoreAsync();
        var third = Motion("club-1", 3, T0 + 8 * SampleMicros);
        var first = Motion("club-1", 1, T0);
        var second = Motion("club-1", 2, T0 + 4 * SampleMicros);

        await store.WriteMotionAsync([third], None);
        await store.WriteMotionAsync([first, second], None);
        var series = await store.ReadMotionAsync("club-1", T0, T0 + 12 * SampleMicros, None);

        Assert.Equal(Enumerable.Range(0, 12).Select(i => T0 + i * SampleMicros), series.TimestampsMicros);
        Assert.Equal([.. first.Samples, .. second.Samples, .. third.Samples], series.Samples);
    }

    [Fact]
    public async Task ReadMotion_InterleavedStreams_AreMergedInTimeOrder()
    {
        await using var store = await OpenStoreAsync();
        var even = Motion("club-1", 1, T0, samples: 3, stream: 1);
        var odd = Motion("club-1", 1, T0 + SampleMicros / 2, samples: 3, stream: 2);

        await store.WriteMotionAsync([even, odd], None);
        var series = await store.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None);

        Assert.Equal(6, series.Count);
        Assert.Equal(series.TimestampsMicros.Order(), series.TimestampsMicros);
        Assert.Equal(odd.Samples.AsSpan(0, 8).ToArray(), series.Sample(1).ToArray());
    }

    [Fact]
    public async Task WriteFrames_ThenRead_ReturnsPixelsAndMetadataInTimeOrder()
    {
        await using var store = await OpenStoreAsync();
        var labelled = Frame("scope-1", 2, T0 + 500, seed: 9, new FrameLabel("acetone", 1.5f), 0.25f);
        var plain = Frame("scope-1", 1, T0, seed: 3);

        Assert.Equal(2, await store.WriteFramesAsync([labelled, plain], None));
        var frames = await store.ReadFramesAsync("scope-1", T0, T0 + 1000, None);

        Assert.Equal(2, frames.Count);
        AssertSameFrame(plain, frames[0]);
        AssertSameFrame(labelled, frames[1]);
    }

    [Fact]
    public async Task WriteFrames_Redelivered_StoresEachOnce()
    {
        await using var store = await OpenStoreAsync();
        var frame = Frame("scope-1", 1, T0, seed: 3);

        Assert.Equal(1, await store.WriteFramesAsync([frame], None));
        Assert.Equal(0, await store.WriteFramesAsync([frame], None));

        Assert.Single(await store.ReadFramesAsync("scope-1", T0, T0 + 1, None));
        Assert.Equal(1, (await store.CountAsync(None)).Frames);
    }

    [Fact]
    public async Task ReadFrames_Window_IncludesItsStartAndExcludesItsEnd()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteFramesAsync([Frame("scope-1", 1, T0, 1), Frame("scope-1", 2, T0 + 100, 2), Frame("scope-1", 3, T0 + 200, 3)], None);

        var frames = await store.ReadFramesAsync("scope-1", T0 + 100, T0 + 200, None);

        Assert.Equal([2UL], frames.Select(f => f.Sequence));
        Assert.Empty(await store.ReadFramesAsync("scope-2", T0, T0 + 1000, None));
    }

    [Fact]
    public async Task WriteLabel_SameDeviceAndSessionAgain_IsRefusedAsDuplicate()
    {
        await using var store = await OpenStoreAsync();

        Assert.True(await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None));
        Assert.False(await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0, player: "bo"), None));
        Assert.True(await store.WriteLabelAsync(SwingLabel("club-2", "s1", T0), None));

        Assert.Equal(2, (await store.CountAsync(None)).Labels);
    }

    [Fact]
    public async Task ReadLabels_ReturnsOnlyThatTaskOrderedByStart()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteLabelAsync(SwingLabel("club-1", "late", T0 + 5_000_000), None);
        await store.WriteLabelAsync(DropletLabel("scope-1", "d1", T0), None);
        await store.WriteLabelAsync(SwingLabel("club-1", "early", T0), None);

        var swings = await store.ReadLabelsAsync(LearningTasks.Swing, None);
        var droplets = await store.ReadLabelsAsync(LearningTasks.Droplet, None);

        Assert.Equal(["early", "late"], swings.Select(l => l.SessionId));
        Assert.Equal(DropletLabel("scope-1", "d1", T0), Assert.Single(droplets));
        Assert.Empty(await store.ReadLabelsAsync("unknown-task", None));
    }

    [Fact]
    public async Task Count_ReflectsBatchesSamplesFramesLabelsAndRecords()
    {
        await using var store = await OpenStoreAsync();
        Assert.Equal(new StoreCounts(0, 0, 0, 0), await store.CountAsync(None));

        await store.WriteMotionAsync([Motion("club-1", 1, T0, samples: 3), Motion("club-1", 2, T0 + 3000, samples: 5)], None);
        await store.WriteFramesAsync([Frame("scope-1", 1, T0, 1)], None);
        await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None);
        await store.WriteRecordsAsync([Record("band-1", 1, T0), Record("band-1", 1, T0, kind: "heart"), Record("band-2", 1, T0)], None);

        Assert.Equal(new StoreCounts(2, 8, 1, 1, 3), await store.CountAsync(None));
    }

    [Fact]
    public async Task Reopen_AfterDispose_KeepsEverythingAndStillDeduplicates()
    {
        var batch = Motion("club-1", 1, T0);
        var frame = Frame("scope-1", 1, T0, 5, new FrameLabel("ethanol", 3f), 0.5f);
        var label = DropletLabel("scope-1", "d1", T0);
        var record = Record("band-1", 1, T0);
        await using (var store = await OpenStoreAsync())
        {
            await store.WriteMotionAsync([batch], None);
            await store.WriteFramesAsync([frame], None);
            await store.WriteLabelAsync(label, None);
            await store.WriteRecordsAsync([record], None);
        }

        await using var reopened = await OpenStoreAsync();

        Assert.Equal(new StoreCounts(1, 4, 1, 1, 1), await reopened.CountAsync(None));
        AssertSameRecords([record], await reopened.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1, None));
        Assert.Equal(0, await reopened.WriteRecordsAsync([record], None));
        Assert.Equal(batch.Samples, (await reopened.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Samples);
        AssertSameFrame(frame, Assert.Single(await reopened.ReadFramesAsync("scope-1", T0, T0 + 1, None)));
        Assert.Equal(label, Assert.Single(await reopened.ReadLabelsAsync(LearningTasks.Droplet, None)));
        Assert.Equal(0, await reopened.WriteMotionAsync([batch], None));
        Assert.Equal(0, await reopened.WriteFramesAsync([frame], None));
        Assert.False(await reopened.WriteLabelAsync(label, None));
    }

    [Fact]
    public async Task WriteRecords_ThenRead_ReturnsEveryPayloadInTimeOrderTiesByStream()
    {
        await using var store = await OpenStoreAsync();
        var late = Record("band-1", 2, T0 + 500, stream: 1);
        var tieOnStream2 = Record("band-1", 1, T0, stream: 2);
        var tieOnStream1 = Record("band-1", 1, T0, stream: 1, bytes: 70_000);
        var middle = Record("band-1", 7, T0 + 200, stream: 9);

        Assert.Equal(4, await store.WriteRecordsAsync([late, tieOnStream2], None) + await store.WriteRecordsAsync([middle, tieOnStream1], None));
        var records = await store.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1000, None);

        AssertSameRecords([tieOnStream1, tieOnStream2, middle, late], records);
    }

    [Fact]
    public async Task WriteRecords_Redelivered_StoresEachOnceAndCountsOnlyTheNew()
    {
        await using var store = await OpenStoreAsync();
        var first = Record("band-1", 1, T0);
        var second = Record("band-1", 2, T0 + 100);
        var third = Record("band-1", 3, T0 + 200);

        Assert.Equal(2, await store.WriteRecordsAsync([first, second], None));
        Assert.Equal(0, await store.WriteRecordsAsync([first], None));
        Assert.Equal(0, await store.WriteRecordsAsync([first, first, second], None));
        Assert.Equal(1, await store.WriteRecordsAsync([second, third, third], None));

        AssertSameRecords([first, second, third], await store.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1000, None));
        Assert.Equal(new StoreCounts(0, 0, 0, 0, 3), await store.CountAsync(None));
    }

    [Fact]
    public async Task LiveAccuracy_FromStoredPredictions_IsCountedPerTaskAndVersion_RedeliveriesOnce_WithinTheWindow()
    {
        await using var store = await OpenStoreAsync();
        static TelemetryRecord Stored(Prediction p) => PredictionRecords.From(p, ControlMessageCodec.Encode(p));
        Prediction Swing(string device, int version, int input, string predicted, string? truth) =>
            new(device, LearningTasks.Swing, version, T0 + input * 1000L, predicted, 0.9f, 2.0, truth);
        // club-1 v1: 3 predictions, 2 labelled, 1 right; club-2 v1: 1, labelled, right; club-1 v2 on the same inputs: 2, both right.
        var predictions = new[]
        {
            Swing("club-1", 1, 0, "draw", "draw"), Swing("club-1", 1, 1, "fade", "draw"), Swing("club-1", 1, 2, "fade", null),
            Swing("club-2", 1, 0, "slice", "slice"),
            Swing("club-1", 2, 0, "draw", "draw"), Swing("club-1", 2, 1, "draw", "draw"),
            new("scope-1", LearningTasks.Droplet, 3, T0, "acetone", 0.5f, 9.0, "ethanol", 1.5f),
        };

        Assert.Equal(predictions.Length, await store.WriteRecordsAsync([.. predictions.Select(Stored)], None));
        Assert.Equal(0, await store.WriteRecordsAsync([.. predictions.Take(3).Select(Stored)], None));
        Assert.Equal(1, await store.WriteRecordsAsync([new TelemetryRecord(PredictionRecords.Kind, "club-2", 1, (ulong)(T0 + 5000), T0 + 5000, "{not json"u8.ToArray())], None));

        var live = await LiveAccuracyReader.ReadAsync(store, ["club-1", "club-2", "scope-1", "club-1", "club-9"], 1, long.MaxValue, None);

        Assert.Equal(
            [new VersionLiveAccuracy(LearningTasks.Droplet, 3, 1, 1, 0), new VersionLiveAccuracy(LearningTasks.Swing, 1, 4, 3, 2), new VersionLiveAccuracy(LearningTasks.Swing, 2, 2, 2, 2)],
            live.Versions);
        Assert.Equal(1, live.Unreadable);
        Assert.Equal([2.0 / 3, 1.0], live.Versions.Skip(1).Select(v => v.Accuracy));
        Assert.Null(new VersionLiveAccuracy(LearningTasks.Swing, 1, 1, 0, 0).Accuracy);

        // The window is on input time: only the second input of each version of club-1 lies in [T0 + 1000, T0 + 2000).
        var window = await LiveAccuracyReader.ReadAsync(store, ["club-1"], T0 + 1000, T0 + 2000, None);
        Assert.Equal([new VersionLiveAccuracy(LearningTasks.Swing, 1, 1, 1, 0), new VersionLiveAccuracy(LearningTasks.Swing, 2, 1, 1, 1)], window.Versions);
    }

    [Fact]
    public async Task ReadRecords_Window_IncludesItsStartAndExcludesItsEnd()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteRecordsAsync([Record("band-1", 1, T0), Record("band-1", 2, T0 + 100), Record("band-1", 3, T0 + 200)], None);

        var records = await store.ReadRecordsAsync(Gait, "band-1", T0 + 100, T0 + 200, None);

        Assert.Equal([2UL], records.Select(r => r.Sequence));
        Assert.Empty(await store.ReadRecordsAsync(Gait, "band-1", T0 + 100, T0 + 100, None));
        Assert.Empty(await store.ReadRecordsAsync(Gait, "band-1", T0 + 200, T0, None));
        Assert.Empty(await store.ReadRecordsAsync(Gait, "band-1", T0 + 201, long.MaxValue, None));
    }

    [Fact]
    public async Task ReadRecords_OfAnotherKindOrDevice_AreNotReturned()
    {
        await using var store = await OpenStoreAsync();
        var gait = Record("band-1", 1, T0);
        var heart = Record("band-1", 1, T0, kind: "heart");
        var otherDevice = Record("band-2", 1, T0);

        Assert.Equal(3, await store.WriteRecordsAsync([gait, heart, otherDevice], None));

        AssertSameRecords([gait], await store.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1, None));
        AssertSameRecords([heart], await store.ReadRecordsAsync("heart", "band-1", T0, T0 + 1, None));
        AssertSameRecords([otherDevice], await store.ReadRecordsAsync(Gait, "band-2", T0, T0 + 1, None));
        Assert.Empty(await store.ReadRecordsAsync("sleep", "band-1", T0, T0 + 1, None));
        Assert.Empty(await store.ReadRecordsAsync(Gait, "band-9", T0, T0 + 1, None));
        Assert.Equal(0, (await store.ReadMotionAsync("band-1", T0, T0 + 1, None)).Count);
        Assert.Empty(await store.ReadFramesAsync("band-1", T0, T0 + 1, None));
    }

    [Fact]
    public async Task WriteRecords_PayloadOfExactlyTheLimit_IsStored()
    {
        await using var store = await OpenStoreAsync();
        var largest = Record("band-1", 1, T0, bytes: TelemetryRecord.MaxPayloadBytes);

        Assert.Equal(1, await store.WriteRecordsAsync([largest], None));

        AssertSameRecords([largest], await store.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1, None));
    }

    [Theory]
    [InlineData("../escape", "band-1", 8, "record kind \"../escape\"")]
    [InlineData("", "band-1", 8, "record kind \"\"")]
    [InlineData(".hidden", "band-1", 8, "record kind \".hidden\"")]
    [InlineData("gait", "band/1", 8, "device id \"band/1\"")]
    [InlineData("gait", "band-1", 0, "payload of 0 bytes")]
    [InlineData("gait", "band-1", TelemetryRecord.MaxPayloadBytes + 1, "payload of 4194305 bytes")]
    public async Task WriteRecords_InvalidRecord_IsRefusedNamingTheProblemBeforeAnythingIsWritten(string kind, string device, int payloadBytes, string problem)
    {
        await using var store = await OpenStoreAsync();
        var bad = new TelemetryRecord(kind, device, 3, 2, T0 + 100, new byte[payloadBytes]);

        var error = await Assert.ThrowsAsync<InvalidTelemetryException>(() => store.WriteRecordsAsync([Record("band-1", 1, T0), bad], None).AsTask());

        Assert.Contains(problem, error.Message);
        Assert.Equal(new StoreCounts(0, 0, 0, 0, 0), await store.CountAsync(None));
        Assert.Empty(await store.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1000, None));
    }

    [Fact]
    public async Task ReadRecords_InvalidKindOrDevice_IsRefusedNamingIt()
    {
        await using var store = await OpenStoreAsync();

        Assert.Contains("../escape", (await Assert.ThrowsAsync<InvalidTelemetryException>(() => store.ReadRecordsAsync("../escape", "band-1", T0, T0 + 1, None).AsTask())).Message);
        Assert.Contains("band 1", (await Assert.ThrowsAsync<InvalidTelemetryException>(() => store.ReadRecordsAsync(Gait, "band 1", T0, T0 + 1, None).AsTask())).Message);
    }

    protected static void AssertSameRecords(IReadOnlyList<TelemetryRecord> expected, IReadOnlyList<TelemetryRecord> actual)
    {
        Assert.Equal(expected.Select(r => r with { Payload = [] }), actual.Select(r => r with { Payload = [] }));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Payload, actual[i].Payload);
        }
    }

    protected static void AssertSameFrame(MicroscopyFrame expected, MicroscopyFrame actual)
    {
        Assert.Equal(expected with { Pixels = [] }, actual with { Pixels = [] });
        Assert.Equal(expected.Pixels, actual.Pixels);
    }
}

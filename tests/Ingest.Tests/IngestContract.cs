using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Admission;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Quarantining;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Status;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Storage.Predictions;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests;

/// <summary>What ingest must do against any broker; each broker's test class inherits this.</summary>
public abstract class IngestContract(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TemporaryFolder _data = new("ingest-test");
    private readonly string _clientId = $"ingest-{Guid.NewGuid():N}";
    private readonly long _t0 = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds() * 1000;

    protected abstract BrokerOptions Broker { get; }

    public void Dispose()
    {
        _data.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task GoodTraffic_RepublishedSequences_IsStoredExactlyOnce()
    {
        using var host = await StartIngestAsync();
        await using var publisher = await ConnectPublisherAsync();
        var motion = Enumerable.Range(0, 20).Select(i => Motion("club-a", (ulong)i)).ToList();
        var frames = Enumerable.Range(0, 3).Select(i => Frame("scope-a", (ulong)i)).ToList();

        foreach (var batch in motion.Concat(motion))
        {
            await publisher.PublishAsync(Topics.Motion("local", batch.DeviceId), MotionBatchCodec.Encode(batch), false, Cancel);
        }

        foreach (var frame in frames.Concat(frames))
        {
            await publisher.PublishAsync(Topics.Frames("lab", frame.DeviceId), MicroscopyFrameCodec.Encode(frame), false, Cancel);
        }

        var label = new SessionLabel("club-a", "session-1", LearningTasks.Swing, _t0, _t0 + 80_000, new SwingLabel("ana", "draw"), null);
        await publisher.PublishAsync(Topics.Labels("local", "club-a"), ControlMessageCodec.Encode(label), false, Cancel);
        await publisher.PublishAsync(Topics.Labels("local", "club-a"), ControlMessageCodec.Encode(label), false, Cancel);
        var status = new DeviceStatus("club-a", LearningTasks.Swing, DeviceState.Online, _t0, 3, 0, null);
        await publisher.PublishAsync(Topics.Status("local", "club-a"), ControlMessageCodec.Encode(status), false, Cancel);

        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        await Eventually.TrueAsync(() => telemetry.Totals.Duplicates == 24 && telemetry.Totals.StatusMessages == 1, Patience, $"every message handled: {telemetry}");
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        Assert.Equal(new StoreCounts(20, 20 * 4, 3, 1), await store.CountAsync(Cancel));
        Assert.Equal((20, 3, 1, 0), (telemetry.Totals.MotionBatches, telemetry.Totals.Frames, telemetry.Totals.Labels, telemetry.Totals.Quarantined));
        var series = await store.ReadMotionAsync("club-a", _t0, _t0 + 1_000_000_000, Cancel);
        Assert.Equal(motion.SelectMany(b => b.Samples), series.Samples);
        Assert.Equal(frames.Select(f => f.Pixels), (await store.ReadFramesAsync("scope-a", _t0, _t0 + 1_000_000_000, Cancel)).Select(f => f.Pixels));
        Assert.Equal(label, Assert.Single(await store.ReadLabelsAsync(LearningTasks.Swing, Cancel)));
        Assert.True(host.Services.GetRequiredService<DeviceStatusBoard>().TryGet("club-a", out var latest));
        Assert.Equal(status, latest);
    }

    [Fact]
    public async Task WithAnIdentitiesFile_OnlyRegisteredDevicesAreStored_AndRegisteringOrRevokingOneTakesEffectWhileRunning()
    {
        using var security = new TemporaryFolder("ingest-identities");
        var identities = IdentityStore.Open(security.Path);
        identities.Add(IdentityRole.Device, Identity.DeviceName("local", "club-known"), "local", "club-known", LearningTasks.Swing);
        using var host = await StartIngestAsync(("Ingest:IdentitiesPath", identities.IdentitiesPath));
        var admission = host.Services.GetRequiredService<DeviceAdmission>();
        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        await using var publisher = await ConnectPublisherAsync();

        async Task PublishAsync(string device, int from)
        {
            for (var i = from; i < from + 10; i++)
            {
                await publisher.PublishAsync(Topics.Motion("local", device), MotionBatchCodec.Encode(Motion(device, (ulong)i)), false, Cancel);
            }
        }

        await PublishAsync("club-known", 0);
        await PublishAsync("club-stranger", 0);
        await Eventually.TrueAsync(() => telemetry.Totals.MotionBatches == 10 && telemetry.Totals.Quarantined == 10, Patience, $"the registered device stored, the stranger quarantined: {telemetry}");
        Assert.Equal(0, (await store.ReadMotionAsync("club-stranger", _t0, long.MaxValue, Cancel)).Count);
        var reasons = (await File.ReadAllLinesAsync(Path.Combine(host.Services.GetRequiredService<Quarantine>().Folder, Quarantine.FileName)))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("reason").GetString());
        Assert.All(reasons, reason => Assert.Contains("club-stranger", reason, StringComparison.Ordinal));

        identities.Add(IdentityRole.Device, Identity.DeviceName("local", "club-stranger"), "local", "club-stranger", LearningTasks.Swing);
        await Eventually.TrueAsync(() => admission.Admits("local", "club-stranger"), Patience, "the registration read while ingest runs");
        await PublishAsync("club-stranger", 10);
        await Eventually.TrueAsync(async () => (await store.ReadMotionAsync("club-stranger", _t0, long.MaxValue, Cancel)).Count == 40, Patience, $"the newly registered device stored: {telemetry}");

        Assert.True(identities.Revoke(Identity.DeviceName("local", "club-known")));
        await Eventually.TrueAsync(() => !admission.Admits("local", "club-known"), Patience, "the revocation read while ingest runs");
        await PublishAsync("club-known", 10);
        await Eventually.TrueAsync(() => telemetry.Totals.Quarantined == 20, Patience, $"the revoked device quarantined: {telemetry}");
        Assert.Equal(40, (await store.ReadMotionAsync("club-known", _t0, long.MaxValue, Cancel)).Count);
    }

    [Fact]
    public async Task BadMessages_AreQuarantinedWithReadableReasons_WhileGoodTrafficIsAllStored()
    {
        using var host = await StartIngestAsync(("Ingest:MaxPayloadBytes", "100000"));
        await using var publisher = await ConnectPublisherAsync();
        var good = Motion("club-b", 0);
        var nan = MotionBatchCodec.Encode(Motion("club-b", 100));
        BinaryPrimitives.WriteSingleLittleEndian(nan.AsSpan(nan.Length - 4), float.NaN);
        var frameShort = MicroscopyFrameCodec.Encode(Frame("scope-b", 1));
        var bad = new (string Topic, byte[] Payload, string Code, string ReasonPart)[]
        {
            (Topics.Motion("local", "club-b"), MotionBatchCodec.Encode(good)[..20], "Truncated", "truncated"),
            (Topics.Motion("local", "club-b"), nan, "NotFinite", "NaN"),
            (Topics.Motion("local", "club-b"), MotionBatchCodec.Encode(Motion("club-b", 101, accel: 9999f)), "OutOfRange", "accel_x"),
            (Topics.Motion("local", "club-b"), MotionBatchCodec.Encode(Motion("club-other", 102)), "DeviceMismatch", "club-other"),
            (Topics.Motion("local", "club-b"), MotionBatchCodec.Encode(Motion("club-b", 103) with { FirstTimestampMicros = 1_000_000 }), "BadTimestamp", "clock"),
            (Topics.Frames("local", "scope-b"), frameShort[..^5], "BadLength", "pixel bytes"),
            (Topics.Frames("local", "scope-b"), new byte[150_000], "Oversize", "limit"),
            (Topics.Labels("local", "club-b"), "{not json"u8.ToArray(), "MalformedJson", "not valid JSON"),
            (Topics.Status("local", "club-b"), "{\"deviceId\":\"club-b\"}"u8.ToArray(), "MalformedJson", "DeviceStatus"),
            ("pipeline/v1/telemetry/local/bad device!/motion", MotionBatchCodec.Encode(good), "UnknownTopic", "bad device!"),
        };

        for (var i = 0; i < bad.Length; i++)
        {
            await publisher.PublishAsync(bad[i].Topic, bad[i].Payload, false, Cancel);
            var batch = Motion("club-b", (ulong)i);
            await publisher.PublishAsync(Topics.Motion("local", "club-b"), MotionBatchCodec.Encode(batch), false, Cancel);
        }

        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        await Eventually.TrueAsync(() => telemetry.Totals.Quarantined == bad.Length && telemetry.Totals.MotionBatches == bad.Length, Patience, $"all handled: {telemetry}");
        Assert.Equal(bad.Length * 4, (await host.Services.GetRequiredService<ITelemetryStore>().CountAsync(Cancel)).MotionSamples);

        var lines = await File.ReadAllLinesAsync(Path.Combine(host.Services.GetRequiredService<Quarantine>().Folder, Quarantine.FileName));
        Assert.Equal(bad.Length, lines.Length);
        for (var i = 0; i < bad.Length; i++)
        {
            using var entry = JsonDocument.Parse(lines[i]);
            output.WriteLine(lines[i].Length > 300 ? lines[i][..300] : lines[i]);
            Assert.Equal(bad[i].Topic, entry.RootElement.GetProperty("topic").GetString());
            Assert.Equal(bad[i].Code, entry.RootElement.GetProperty("code").GetString());
            Assert.Contains(bad[i].ReasonPart, entry.RootElement.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(bad[i].Payload.Length, entry.RootElement.GetProperty("payloadBytes").GetInt32());
            Assert.True(entry.RootElement.GetProperty("payloadBase64").GetBytesFromBase64().Length <= 1024);
        }
    }

    [Fact]
    public async Task Predictions_RepublishedOnes_AreStoredOncePerDeviceVersionAndInput_AndLiveAccuracyIsCountedFromTheStore()
    {
        using var host = await StartIngestAsync();
        await using var publisher = await ConnectPublisherAsync();
        // v1 and v2 predict on the same inputs: one record each. v1: 4 predictions, 3 labelled, 2 right; v2: 3, all labelled and right.
        var swing = new[]
        {
            Prediction("club-p", 1, 0, "draw", "draw"), Prediction("club-p", 1, 1, "fade", "draw"), Prediction("club-p", 1, 2, "draw", "draw"), Prediction("club-p", 1, 3, "draw", null),
            Prediction("club-p", 2, 0, "draw", "draw"), Prediction("club-p", 2, 1, "draw", "draw"), Prediction("club-p", 2, 2, "draw", "draw"),
        };
        var droplet = Prediction("scope-p", 1, 0, "acetone", "ethanol") with
        {
            Task = LearningTasks.Droplet,
            ConcentrationPercent = 2.5f,
            Droplets = [new DropletPrediction(10, 12, 6, "acetone", 0.8f), new DropletPrediction(30, 40, 5.5f, "ethanol", 0.6f)],
        };

        foreach (var prediction in swing.Concat(swing.Take(4)))
        {
            await publisher.PublishAsync(Topics.Predictions("local", prediction.DeviceId), ControlMessageCodec.Encode(prediction), false, Cancel);
        }

        await publisher.PublishAsync(Topics.Predictions("lab", droplet.DeviceId), ControlMessageCodec.Encode(droplet), false, Cancel);

        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        await Eventually.TrueAsync(() => telemetry.Totals.Predictions == 8 && telemetry.Totals.Duplicates == 4, Patience, $"every prediction handled: {telemetry}");
        Assert.Equal(0, telemetry.Totals.Quarantined);
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        var stored = await store.ReadRecordsAsync(PredictionRecords.Kind, "club-p", 1, long.MaxValue, Cancel);
        Assert.Equal(
            swing.OrderBy(p => p.InputTimestampMicros).ThenBy(p => p.ModelVersion).Select(p => (p.ModelVersion, p.InputTimestampMicros, p.PredictedClass, p.TrueClass)),
            stored.Select(r => ControlMessageCodec.DecodePrediction(r.Payload).Value!).Select(p => (p.ModelVersion, p.InputTimestampMicros, p.PredictedClass, p.TrueClass)));
        var storedDroplet = ControlMessageCodec.DecodePrediction(Assert.Single(await store.ReadRecordsAsync(PredictionRecords.Kind, "scope-p", 1, long.MaxValue, Cancel)).Payload).Value!;
        Assert.Equal(droplet.Droplets, storedDroplet.Droplets);
        Assert.Equal(droplet with { Droplets = null }, storedDroplet with { Droplets = null });

        var live = await LiveAccuracyReader.ReadAsync(store, ["club-p", "scope-p", "club-never-seen"], 1, long.MaxValue, Cancel);
        Assert.Equal(0, live.Unreadable);
        Assert.Equal(
            [new VersionLiveAccuracy(LearningTasks.Droplet, 1, 1, 1, 0), new VersionLiveAccuracy(LearningTasks.Swing, 1, 4, 3, 2), new VersionLiveAccuracy(LearningTasks.Swing, 2, 3, 3, 3)],
            live.Versions);
    }

    [Fact]
    public async Task BadPredictions_AreQuarantinedWithReadableReasons_WhileGoodOnesAroundThemAreStored()
    {
        using var host = await StartIngestAsync();
        await using var publisher = await ConnectPublisherAsync();
        var topic = Topics.Predictions("local", "club-q");
        var overconfident = Encoding.UTF8.GetString(ControlMessageCodec.Encode(Prediction("club-q", 1, 100, "draw", "draw"))).Replace("\"confidence\":0.75", "\"confidence\":2", StringComparison.Ordinal);
        Assert.Contains("\"confidence\":2", overconfident);
        var bad = new (byte[] Payload, string Code, string ReasonPart)[]
        {
            ("{not json"u8.ToArray(), "MalformedJson", "not valid JSON"),
            (ControlMessageCodec.Encode(Prediction("club-other", 1, 101, "draw", "draw")), "DeviceMismatch", "club-other"),
            (Encoding.UTF8.GetBytes(overconfident), "NotFinite", "confidence"),
            (ControlMessageCodec.Encode(Prediction("club-q", 1, 102, "draw", "draw") with { Task = "juggling" }), "UnknownTask", "juggling"),
            (ControlMessageCodec.Encode(Prediction("club-q", 1, 103, "draw", "draw") with { InputTimestampMicros = 1_000_000 }), "BadTimestamp", "inputTimestampMicros"),
        };

        for (var i = 0; i < bad.Length; i++)
        {
            await publisher.PublishAsync(topic, bad[i].Payload, false, Cancel);
            await publisher.PublishAsync(topic, ControlMessageCodec.Encode(Prediction("club-q", 1, i, "draw", "draw")), false, Cancel);
        }

        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        await Eventually.TrueAsync(() => telemetry.Totals.Quarantined == bad.Length && telemetry.Totals.Predictions == bad.Length, Patience, $"all handled: {telemetry}");
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        Assert.Equal(Enumerable.Range(0, bad.Length).Select(i => _t0 + i * 1000L),
            (await store.ReadRecordsAsync(PredictionRecords.Kind, "club-q", 1, long.MaxValue, Cancel)).Select(r => r.TimestampMicros));
        Assert.Empty(await store.ReadRecordsAsync(PredictionRecords.Kind, "club-other", 1, long.MaxValue, Cancel));

        var lines = await File.ReadAllLinesAsync(Path.Combine(host.Services.GetRequiredService<Quarantine>().Folder, Quarantine.FileName));
        Assert.Equal(bad.Length, lines.Length);
        for (var i = 0; i < bad.Length; i++)
        {
            using var entry = JsonDocument.Parse(lines[i]);
            output.WriteLine(lines[i].Length > 300 ? lines[i][..300] : lines[i]);
            Assert.Equal(topic, entry.RootElement.GetProperty("topic").GetString());
            Assert.Equal(bad[i].Code, entry.RootElement.GetProperty("code").GetString());
            Assert.Contains(bad[i].ReasonPart, entry.RootElement.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task IngestRestartedMidStream_WithItsPersistentSession_LosesNothing()
    {
        const int Total = 300;
        await using var publisher = await ConnectPublisherAsync();
        var published = 0;
        var first = await StartIngestAsync();
        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < Total; i++)
            {
                var batch = Motion("club-c", (ulong)i);
                await publisher.PublishAsync(Topics.Motion("local", "club-c"), MotionBatchCodec.Encode(batch), false, Cancel);
                Interlocked.Increment(ref published);
            }
        });

        var firstTelemetry = first.Services.GetRequiredService<IngestTelemetry>();
        try
        {
            await Eventually.TrueAsync(() => firstTelemetry.Totals.MotionBatches >= 30, Patience, "the first ingest stores some batches");
            await first.StopAsync(Cancel);
        }
        finally
        {
            first.Dispose();
        }

        var storedByFirst = firstTelemetry.Totals.MotionBatches;
        await Eventually.TrueAsync(() => Volatile.Read(ref published) >= storedByFirst + 50 || publishing.IsCompleted, Patience, "the broker takes messages while ingest is down");

        using var second = await StartIngestAsync();
        await publishing;
        var store = second.Services.GetRequiredService<ITelemetryStore>();
        await Eventually.TrueAsync(async () => (await store.CountAsync(Cancel)).MotionBatches == Total, Patience,
            $"all {Total} batches stored (first run stored {storedByFirst}, second run so far: {second.Services.GetRequiredService<IngestTelemetry>()})");

        var series = await store.ReadMotionAsync("club-c", _t0, long.MaxValue, Cancel);
        Assert.Equal(Total * 4, series.Count);
        Assert.Equal(Enumerable.Range(0, Total).SelectMany(i => Motion("club-c", (ulong)i).Samples), series.Samples);
        output.WriteLine($"first run stored {storedByFirst}; second run: {second.Services.GetRequiredService<IngestTelemetry>()}");
    }

    [Fact]
    public async Task ManyMessages_AreStoredWithFarFewerStoreWritesThanMessages()
    {
        const int Total = 1000;
        await using var publisher = await ConnectPublisherAsync();
        var writes = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        using var host = await StartIngestAsync(configure: services =>
        {
            var store = services.Single(d => d.ServiceType == typeof(ITelemetryStore));
            services.Remove(store);
            services.AddSingleton<ITelemetryStore>(provider => new HeldMotionWrites((ITelemetryStore)store.ImplementationFactory!(provider), release.Task));
        }, beforeStart: services =>
        {
            var meters = services.GetRequiredService<IMeterFactory>();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "pipeline.ingest.write_latency" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref writes));
            listener.Start();
        });

        // A burst from many publishers at once, the first store write held until every message arrived: the next write
        // takes everything that gathered during it (whatever the first took, at most a BatchSize each).
        var published = Task.WhenAll(Enumerable.Range(0, Total).Select(i =>
            publisher.PublishAsync(Topics.Motion("local", $"club-d{i % 10}"), MotionBatchCodec.Encode(Motion($"club-d{i % 10}", (ulong)(i / 10))), false, Cancel)));
        var unacknowledged = host.Services.GetRequiredService<UnacknowledgedMessages>();
        await Eventually.TrueAsync(() => unacknowledged.Count == Total, Patience, $"all {Total} messages received and held: {unacknowledged.Count}");
        release.SetResult();
        await published;

        // Ingest counts a write (its latency first) after the store returned: waiting on its count, not the store's, sees every write.
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        await Eventually.TrueAsync(() => telemetry.Totals.MotionBatches == Total, Patience,
            $"all {Total} batches stored: {telemetry}; {Volatile.Read(ref writes)} store writes so far");
        Assert.Equal(Total, (await store.CountAsync(Cancel)).MotionBatches);
        output.WriteLine($"{Total} messages took {Volatile.Read(ref writes)} store writes");
        Assert.InRange(Volatile.Read(ref writes), 1, Total / 100);
    }

    [Fact]
    public async Task ALabel_IsNotStoredWhileTheDataBeforeItIsStillOnItsWayToTheStore()
    {
        await using var publisher = await ConnectPublisherAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = await StartIngestAsync(configure: services =>
        {
            var store = services.Single(d => d.ServiceType == typeof(ITelemetryStore));
            services.Remove(store);
            services.AddSingleton<ITelemetryStore>(provider => new HeldMotionWrites((ITelemetryStore)store.ImplementationFactory!(provider), release.Task, entered));
        }, beforeStart: null);
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        var unacknowledged = host.Services.GetRequiredService<UnacknowledgedMessages>();

        // The session's data is being written, held in the store; its label arrives meanwhile. The writer keeps two
        // batches on their way, but a label's waits for the batches before it, so it is not stored before its data.
        var data = publisher.PublishAsync(Topics.Motion("local", "club-l"), MotionBatchCodec.Encode(Motion("club-l", 0)), false, Cancel);
        await entered.Task.WaitAsync(Patience, Cancel);
        var label = new SessionLabel("club-l", "session-l", LearningTasks.Swing, _t0, _t0 + 80_000, new SwingLabel("ana", "draw"), null);
        var labelled = publisher.PublishAsync(Topics.Labels("local", "club-l"), ControlMessageCodec.Encode(label), false, Cancel);
        await Eventually.TrueAsync(() => unacknowledged.Count == 2, Patience, $"the label received while the data is held: {unacknowledged.Count}");

        // What can only go wrong, not right, with time: a writer that did not wait stores a label in well under this.
        await Task.Delay(TimeSpan.FromMilliseconds(300), Cancel);
        Assert.Empty(await store.ReadLabelsAsync(LearningTasks.Swing, Cancel));

        release.SetResult();
        await Task.WhenAll(data, labelled);
        await Eventually.TrueAsync(() => telemetry.Totals.Labels == 1 && telemetry.Totals.MotionBatches == 1, Patience, $"data and label stored: {telemetry}");
        Assert.Equal(label, Assert.Single(await store.ReadLabelsAsync(LearningTasks.Swing, Cancel)));
    }

    [Fact]
    public async Task AFloodOfBadMessages_IsQuarantinedLineByLine_WhileInterleavedGoodTrafficIsStored()
    {
        const int Bad = 600;
        const int Good = 60;
        using var host = await StartIngestAsync();
        await using var publisher = await ConnectPublisherAsync();

        await Task.WhenAll(Enumerable.Range(0, Bad + Good).Select(i => i % 11 == 0 && i / 11 < Good
            ? publisher.PublishAsync(Topics.Motion("local", "club-good"), MotionBatchCodec.Encode(Motion("club-good", (ulong)(i / 11))), false, Cancel)
            : publisher.PublishAsync(Topics.Motion("local", "club-bad"), new byte[] { 0x50, 0x4C, 0x09, 0x01, (byte)i }, false, Cancel)));

        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        await Eventually.TrueAsync(async () => telemetry.Totals.Quarantined == Bad && (await store.CountAsync(Cancel)).MotionBatches == Good, Patience,
            $"every bad message quarantined and every good one stored: {telemetry}");
        var lines = await File.ReadAllLinesAsync(Path.Combine(host.Services.GetRequiredService<Quarantine>().Folder, Quarantine.FileName));
        Assert.Equal(Bad, lines.Length);
        Assert.All(lines, line => Assert.Contains("UnsupportedVersion", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABacklogQueuedWhileIngestWasAway_IsAllStoredWhenItReturns()
    {
        const int Total = 1000;
        await using var publisher = await ConnectPublisherAsync();
        using (var first = await StartIngestAsync())
        {
            // The first run only leaves its persistent session behind, so the broker queues the backlog for the second.
            await first.StopAsync(Cancel);
        }

        for (var i = 0; i < Total; i++)
        {
            await publisher.PublishAsync(Topics.Motion("local", $"club-e{i % 10}"), MotionBatchCodec.Encode(Motion($"club-e{i % 10}", (ulong)(i / 10))), false, Cancel);
        }

        using var host = await StartIngestAsync();
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        await Eventually.TrueAsync(async () => (await store.CountAsync(Cancel)).MotionBatches == Total, Patience,
            $"all {Total} batches stored: {host.Services.GetRequiredService<IngestTelemetry>()}");
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task IngestDownWhileMoreThan10000MessagesArrive_EverySampleIsStoredOnce()
    {
        await using var publisher = await ConnectPublisherAsync();
        using (var first = await StartIngestAsync())
        {
            await first.StopAsync(Cancel);
        }

        await PublishFleetAsync(publisher, "club-f");

        using var host = await StartIngestAsync();
        await AssertFleetStoredOnceAsync(host, "club-f", $"ingest down while {FleetDevices * FleetBatchesPerDevice} motion batches arrive ({GetType().Name})");
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task HostileCorpus_WhileHonestTrafficFlows_EveryMessageIsHandled_HonestDataIsAllStored_MemoryStaysBounded()
    {
        using var host = await StartIngestAsync(("Ingest:MaxPayloadBytes", "1048576"));
        await using var attacker = await ConnectPublisherAsync();
        await using var honest = await ConnectPublisherAsync();
        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        var residentBefore = Resident();

        var corpus = HostileCorpus().ToList();
        var honestBatches = Enumerable.Range(0, 300).Select(i => Motion("club-h", (ulong)i)).ToList();
        var honestSending = Task.Run(async () =>
        {
            foreach (var batch in honestBatches)
            {
                await honest.PublishAsync(Topics.Motion("local", "club-h"), MotionBatchCodec.Encode(batch), false, Cancel);
            }
        });
        foreach (var (topic, payload) in corpus)
        {
            await attacker.PublishAsync(topic, payload, false, Cancel);
        }

        await honestSending;
        var total = corpus.Count + honestBatches.Count;
        long Handled() => telemetry.Totals.MotionBatches + telemetry.Totals.Frames + telemetry.Totals.Labels + telemetry.Totals.StatusMessages + telemetry.Totals.Predictions + telemetry.Totals.Quarantined + telemetry.Totals.Duplicates;
        await Eventually.TrueAsync(() => Handled() == total, TimeSpan.FromSeconds(120), $"all {total} messages handled: {telemetry}");

        var store = host.Services.GetRequiredService<ITelemetryStore>();
        var account = new DeliveryAccount($"honest traffic beside {corpus.Count} hostile messages ({GetType().Name})");
        account.Add("club-h", [.. honestBatches.SelectMany(SampleTimes)], (await store.ReadMotionAsync("club-h", _t0, long.MaxValue, Cancel)).TimestampsMicros);
        account.AssertNothingLostOrDuplicated(output.WriteLine);
        var lines = await File.ReadAllLinesAsync(Path.Combine(host.Services.GetRequiredService<Quarantine>().Folder, Quarantine.FileName));
        Assert.Equal(telemetry.Totals.Quarantined, lines.Length);
        Assert.All(lines, line => Assert.False(string.IsNullOrWhiteSpace(JsonDocument.Parse(line).RootElement.GetProperty("reason").GetString())));
        var grown = Resident() - residentBefore;
        output.WriteLine($"{corpus.Count} hostile messages: {telemetry.Totals.Quarantined} quarantined with a reason, the rest valid enough to store; resident memory grew {grown / 1048576.0:0} MiB");
        Assert.True(grown < 512L * 1024 * 1024, $"resident memory grew by {grown / 1048576.0:0} MiB");
    }

    /// <summary>
    /// Every prefix and every single-bit flip of a valid motion batch, frame, label and status message, garbage of many
    /// sizes up to the payload limit and past it, and JSON that is valid but says impossible things.
    /// </summary>
    private IEnumerable<(string Topic, byte[] Payload)> HostileCorpus()
    {
        var random = new Random(8);
        var samples = new (string Topic, byte[] Payload)[]
        {
            (Topics.Motion("local", "club-z"), MotionBatchCodec.Encode(Motion("club-z", 7))),
            (Topics.Frames("local", "scope-z"), MicroscopyFrameCodec.Encode(Frame("scope-z", 7))),
            (Topics.Labels("local", "club-z"), ControlMessageCodec.Encode(new SessionLabel("club-z", "s-7", LearningTasks.Swing, _t0, _t0 + 1000, new SwingLabel("p1", "fade")))),
            (Topics.Status("local", "club-z"), ControlMessageCodec.Encode(new DeviceStatus("club-z", LearningTasks.Swing, DeviceState.Online, _t0, 0))),
            (Topics.Predictions("local", "club-z"), ControlMessageCodec.Encode(Prediction("club-z", 1, 7, "draw", "fade"))),
        };
        foreach (var (topic, valid) in samples)
        {
            for (var length = 0; length < valid.Length; length += 3)
            {
                yield return (topic, valid[..length]);
            }

            for (var bit = 0; bit < valid.Length * 8; bit += 7)
            {
                var flipped = (byte[])valid.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                yield return (topic, flipped);
            }
        }

        foreach (var size in new[] { 1, 7, 64, 4096, 65_536, 1_048_576, 1_048_577, 3_000_000 })
        {
            var garbage = new byte[size];
            random.NextBytes(garbage);
            yield return (Topics.Motion("local", "club-z"), garbage);
            yield return (Topics.Frames("local", "scope-z"), garbage);
        }

        foreach (var json in new[] { "null", "[]", "{}", "\"x\"", "{\"deviceId\":null}", $"{{\"deviceId\":\"{new string('d', 60_000)}\"}}",
            new string('[', 5000) + new string(']', 5000) })
        {
            yield return (Topics.Labels("local", "club-z"), Encoding.UTF8.GetBytes(json));
            yield return (Topics.Status("local", "club-z"), Encoding.UTF8.GetBytes(json));
            yield return (Topics.Predictions("local", "club-z"), Encoding.UTF8.GetBytes(json));
        }
    }

    private static long Resident()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task DeviceClockTenMinutesAhead_ItsDataIsStored_NotDiscarded()
    {
        using var host = await StartIngestAsync();
        await using var publisher = await ConnectPublisherAsync();
        var ahead = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds() * 1000;
        var batches = Enumerable.Range(0, 50).Select(i => new MotionBatch("club-ahead", 1, (ulong)i, ahead + (i * 4000L), 1000f, new float[4 * MotionChannels.Count])).ToList();
        foreach (var batch in batches)
        {
            await publisher.PublishAsync(Topics.Motion("local", "club-ahead"), MotionBatchCodec.Encode(batch), false, Cancel);
        }

        var store = host.Services.GetRequiredService<ITelemetryStore>();
        await Eventually.TrueAsync(async () => (await store.ReadMotionAsync("club-ahead", ahead, long.MaxValue, Cancel)).Count == 200, Patience,
            $"all 50 batches from a device 10 minutes ahead stored: {host.Services.GetRequiredService<IngestTelemetry>()}");
        var account = new DeliveryAccount("a device clock 10 minutes ahead");
        account.Add("club-ahead", [.. batches.SelectMany(SampleTimes)], (await store.ReadMotionAsync("club-ahead", ahead, long.MaxValue, Cancel)).TimestampsMicros);
        account.AssertNothingLostOrDuplicated(output.WriteLine);
        Assert.Equal(0, host.Services.GetRequiredService<IngestTelemetry>().Totals.Quarantined);
    }

    // Sample values follow the sequence number and stay within a working sensor's range up to sequence 400, hence 30 devices of 400.
    private protected const int FleetDevices = 30;
    private protected const int FleetBatchesPerDevice = 400;

    /// <summary>Publishes <see cref="FleetBatchesPerDevice"/> motion batches from each of <see cref="FleetDevices"/> devices, one task per device, each waiting for its PUBACKs.</summary>
    private protected async Task PublishFleetAsync(MqttConnection publisher, string devicePrefix) =>
        await Task.WhenAll(Enumerable.Range(0, FleetDevices).Select(d => Task.Run(async () =>
        {
            for (var i = 0; i < FleetBatchesPerDevice; i++)
            {
                await publisher.PublishAsync(Topics.Motion("local", $"{devicePrefix}{d}"), MotionBatchCodec.Encode(Motion($"{devicePrefix}{d}", (ulong)i)), false, Cancel);
            }
        })));

    /// <summary>Waits for the fleet's batches in the store, then accounts for every sample and prints the table.</summary>
    private protected async Task AssertFleetStoredOnceAsync(IHost host, string devicePrefix, string scenario)
    {
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        var account = new DeliveryAccount(scenario);
        try
        {
            await Eventually.TrueAsync(async () => (await store.CountAsync(Cancel)).MotionBatches >= FleetDevices * FleetBatchesPerDevice, TimeSpan.FromSeconds(120),
                $"all {FleetDevices * FleetBatchesPerDevice} batches stored: {host.Services.GetRequiredService<IngestTelemetry>()}");
        }
        finally
        {
            for (var d = 0; d < FleetDevices; d++)
            {
                var device = $"{devicePrefix}{d}";
                var sent = Enumerable.Range(0, FleetBatchesPerDevice).SelectMany(i => SampleTimes(Motion(device, (ulong)i))).ToList();
                var stored = await store.ReadMotionAsync(device, _t0, long.MaxValue, Cancel);
                account.Add(device, sent, stored.TimestampsMicros);
            }

            output.WriteLine(account.Table());
        }

        account.AssertNothingLostOrDuplicated(_ => { });
    }

    private protected static IEnumerable<long> SampleTimes(MotionBatch batch) =>
        Enumerable.Range(0, batch.Samples.Length / MotionChannels.Count).Select(i => batch.FirstTimestampMicros + (long)(i * 1_000_000 / batch.SampleRateHz));

    private protected static CancellationToken Cancel => CancellationToken.None;

    private protected MotionBatch Motion(string device, ulong sequence, float accel = 1f)
    {
        var samples = new float[4 * MotionChannels.Count];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = i % MotionChannels.Count == MotionChannels.AccelX ? accel : (float)sequence + i / 100f;
        }

        // Batches are 4 ms apart at 1 kHz, so sequence order is time order.
        return new MotionBatch(device, 1, sequence, _t0 + (long)sequence * 4000, 1000f, samples);
    }

    private Prediction Prediction(string device, int version, int input, string predicted, string? truth) =>
        new(device, LearningTasks.Swing, version, _t0 + input * 1000L, predicted, 0.75f, 3.5, truth);

    private MicroscopyFrame Frame(string device, ulong sequence)
    {
        var pixels = Enumerable.Range(0, 8 * 8).Select(i => (byte)(i + (int)sequence)).ToArray();
        return new MicroscopyFrame(device, 1, sequence, _t0 + (long)sequence * 1000, 8, 8, PixelFormat.Gray8, new FrameLabel("acetone", 2f), 0.1f, pixels);
    }

    private protected Task<IHost> StartIngestAsync(params (string Key, string Value)[] settings) => StartIngestAsync(null, settings);

    private Task<IHost> StartIngestAsync(Action<IServiceProvider>? beforeStart, params (string Key, string Value)[] settings) =>
        StartIngestAsync(null, beforeStart, settings);

    private async Task<IHost> StartIngestAsync(Action<IServiceCollection>? configure, Action<IServiceProvider>? beforeStart, params (string Key, string Value)[] settings)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Broker:Host"] = Broker.Host,
            ["Broker:Port"] = Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest:DataFolder"] = _data.Path,
            ["Ingest:ClientId"] = _clientId,
        };
        foreach (var (key, value) in settings)
        {
            overrides[key] = value;
        }

        var builder = ServiceDefaults.CreateBuilder([], overrides);
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
        builder.Services.AddIngest(builder.Configuration);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        beforeStart?.Invoke(host.Services);
        return await IngestHosts.StartSubscribedAsync(host, Patience, Cancel);
    }

    private protected async Task<MqttConnection> ConnectPublisherAsync()
    {
        var connection = new MqttConnectionFactory(Broker, TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning)).Create($"publisher-{Guid.NewGuid():N}");
        await connection.ConnectAsync(Cancel).WaitAsync(Patience);
        return connection;
    }
}

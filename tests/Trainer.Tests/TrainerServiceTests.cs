using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Service;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Tests;

public sealed class TrainerServiceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("trainer-service-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Start_WithAModelInTheRegistry_AnnouncesItAgainSigned_BeforeAnyNewData()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0, NullLogger.Instance, CancellationToken.None);
        var manifest = new ModelManifest(LearningTasks.Swing, 3, "swing-cnn", 1_700_000_000_000_000, Topics.ModelArtifact(LearningTasks.Swing, 3),
            3, ModelArtifactsSha([7, 8, 9]), [8, 512], ["a:x", "b:y"], new ModelMetrics(0.8, 0.8, 10, null), "pipelined");
        new ModelRegistry(_folder).Store(manifest, [7, 8, 9]);
        await using var listener = new MqttConnectionFactory(broker.ToOptions(), NullLoggerFactory.Instance).Create("listener");
        await listener.ConnectAsync(CancellationToken.None);
        var announced = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await listener.SubscribeAsync(Topics.ModelManifest(LearningTasks.Swing), (m, _) => { announced.TrySetResult(m.Payload); return Task.CompletedTask; }, CancellationToken.None);

        using var host = BuildHost(broker, ("Trainer:Tasks:0", LearningTasks.Swing), ("Trainer:SigningKeyPath", TestModelKeys.PrivateKeyPath));
        await host.StartAsync();
        var payload = await announced.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await host.StopAsync();

        var decoded = ControlMessageCodec.DecodeModelManifest(payload);
        Assert.True(decoded.IsSuccess, decoded.Error?.Message);
        Assert.Equal(3, decoded.Value.Version);
        using var trusted = TrustedModelKeys.Load(TestModelKeys.TrustedFolder);
        Assert.Null(ModelManifestSigning.Verify(decoded.Value, trusted));
        Assert.Empty(host.Services.GetRequiredService<TrainerService>().Results);
    }

    [Fact]
    public async Task RoundThatCannotTrain_IsReportedAndSkipped_AndTheTrainerGoesOnToTheNextRound()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0, NullLogger.Instance, CancellationToken.None);
        using var host = BuildHost(broker, ("Trainer:Tasks:0", LearningTasks.Swing), ("Trainer:Rounds", "2"), ("Trainer:MinGrowthBetweenRounds", "0"));
        // Labels enough to start a round, but no motion behind them: every round fails while cutting examples.
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        await WriteLabelsAsync(store, first: 0, count: 4, "p1");
        await WriteLabelsAsync(store, first: 4, count: 4, "p2");

        await host.StartAsync();
        var trainer = host.Services.GetRequiredService<TrainerService>();
        await Bounded.WithinAsync(trainer.ExecuteTask!, TimeSpan.FromSeconds(60), "the trainer's two rounds");
        await host.StopAsync();

        Assert.Equal([1, 2], trainer.Results.Select(r => r.Round));
        Assert.All(trainer.Results, r => Assert.Contains("cannot train", r.Failure, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClassShortOfMinExamplesPerClass_NoRoundStarts_UntilTheStoreHoldsEnoughOfIt()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0, NullLogger.Instance, CancellationToken.None);
        var log = new RecordingLogger();
        using var host = BuildHost(broker, log, ("Trainer:Tasks:0", LearningTasks.Swing), ("Trainer:Rounds", "1"), ("Trainer:MinExamplesPerClass", "4"));
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        await WriteLabelsAsync(store, first: 0, count: 6, "p1");
        await WriteLabelsAsync(store, first: 6, count: 3, "p2");
        var trainer = host.Services.GetRequiredService<TrainerService>();

        await host.StartAsync();
        try
        {
            await Eventually.TrueAsync(() => log.Messages.Any(m => m.StartsWith("round 1 swing: 9 labelled sessions; waiting", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "the trainer waits at the data gate with 6 and 3 sessions of its two classes");
            Assert.Empty(trainer.Results);

            await WriteLabelsAsync(store, first: 9, count: 1, "p2");
            await Bounded.WithinAsync(trainer.ExecuteTask!, TimeSpan.FromSeconds(60), "the round that the fourth p2 session lets start");
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.Equal([1], trainer.Results.Select(r => r.Round));
    }

    [Fact]
    public async Task NextRound_WaitsUntilTheSessionsGrewByMinGrowthBetweenRounds()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0, NullLogger.Instance, CancellationToken.None);
        var log = new RecordingLogger();
        using var host = BuildHost(broker, log, ("Trainer:Tasks:0", LearningTasks.Swing), ("Trainer:Rounds", "2"), ("Trainer:MinGrowthBetweenRounds", "0.5"));
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        await WriteLabelsAsync(store, first: 0, count: 4, "p1");
        await WriteLabelsAsync(store, first: 4, count: 4, "p2");
        var trainer = host.Services.GetRequiredService<TrainerService>();

        await host.StartAsync();
        try
        {
            // Round 1 trained on 8 sessions, so round 2 needs 12; 11 are not enough.
            await Eventually.TrueAsync(() => trainer.Results.Count >= 1, TimeSpan.FromSeconds(60), "round 1 on the first 8 sessions");
            await WriteLabelsAsync(store, first: 8, count: 3, "p1");
            await Eventually.TrueAsync(() => log.Messages.Any(m => m.StartsWith("round 2 swing: 11 labelled sessions; waiting", StringComparison.Ordinal) && m.EndsWith("and 12 in all", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), "round 2 waits for 12 sessions with 11 in the store");
            Assert.Equal([1], trainer.Results.Select(r => r.Round));

            await WriteLabelsAsync(store, first: 11, count: 1, "p2");
            await Bounded.WithinAsync(trainer.ExecuteTask!, TimeSpan.FromSeconds(60), "round 2, once the sessions grew by half");
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.Equal([1, 2], trainer.Results.Select(r => r.Round));
    }

    [Fact]
    public void Tasks_OneConfiguredTask_ReplacesTheDefaultOfAllTasks()
    {
        using var host = BuildHost(null, ("Trainer:Tasks:0", LearningTasks.Droplet));
        Assert.Equal([LearningTasks.Droplet], host.Services.GetRequiredService<IOptions<TrainerOptions>>().Value.ResolvedTasks(TaskRegistry.BuiltIn));
    }

    [Fact]
    public void Tasks_NoneConfigured_TrainsEveryTask()
    {
        using var host = BuildHost(null);
        Assert.Equal(TaskRegistry.BuiltIn.Names, host.Services.GetRequiredService<IOptions<TrainerOptions>>().Value.ResolvedTasks(host.Services.GetRequiredService<TaskRegistry>()));
    }

    /// <summary>Swing labels of <paramref name="player"/>'s sessions <paramref name="first"/> onwards, with no motion behind them.</summary>
    private static async Task WriteLabelsAsync(ITelemetryStore store, int first, int count, string player)
    {
        for (var i = first; i < first + count; i++)
        {
            await store.WriteLabelAsync(new SessionLabel("club-1", $"s-{i}", LearningTasks.Swing, 1_000_000 + (i * 10_000_000L), 2_000_000 + (i * 10_000_000L),
                new SwingLabel(player, "fade")), CancellationToken.None);
        }
    }

    private IHost BuildHost(EmbeddedBroker? broker, params (string Key, string Value)[] settings) => BuildHost(broker, null, settings);

    private IHost BuildHost(EmbeddedBroker? broker, RecordingLogger? log, params (string Key, string Value)[] settings)
    {
        var overrides = new List<KeyValuePair<string, string?>>
        {
            new("Trainer:DataFolder", _folder),
            new("Trainer:PollInterval", "00:00:01"),
        };
        if (broker is not null)
        {
            overrides.Add(new("Broker:Host", broker.Host));
            overrides.Add(new("Broker:Port", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        overrides.AddRange(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        var builder = ServiceDefaults.CreateBuilder([], overrides);
        if (log is not null)
        {
            builder.Logging.AddProvider(new RecordingLoggerProvider(log));
        }

        builder.Services.AddEmbeddedTelemetryStore(Path.Combine(_folder, "store"));
        builder.Services.AddTrainer(builder.Configuration);
        return builder.Build();
    }

    private static string ModelArtifactsSha(byte[] bytes) => Pipeline.Models.ModelArtifacts.Sha256Hex(bytes);
}

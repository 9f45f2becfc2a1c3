using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Service;

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
        var store = host.Services.GetRequiredService<Pipeline.Storage.ITelemetryStore>();
        for (var i = 0; i < 8; i++)
        {
            await store.WriteLabelAsync(new SessionLabel("club-1", $"s-{i}", LearningTasks.Swing, 1_000_000 + (i * 10_000_000L), 2_000_000 + (i * 10_000_000L),
                new SwingLabel(i % 2 == 0 ? "p1" : "p2", "fade")), CancellationToken.None);
        }

        await host.StartAsync();
        var trainer = host.Services.GetRequiredService<TrainerService>();
        await trainer.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(60));
        await host.StopAsync();

        Assert.Equal([1, 2], trainer.Results.Select(r => r.Round));
        Assert.All(trainer.Results, r => Assert.Contains("cannot train", r.Failure, StringComparison.Ordinal));
    }

    [Fact]
    public void Tasks_OneConfiguredTask_ReplacesTheDefaultOfAllTasks()
    {
        using var host = BuildHost(null, ("Trainer:Tasks:0", LearningTasks.Droplet));
        Assert.Equal([LearningTasks.Droplet], host.Services.GetRequiredService<IOptions<TrainerOptions>>().Value.ResolvedTasks);
    }

    [Fact]
    public void Tasks_NoneConfigured_TrainsEveryTask()
    {
        using var host = BuildHost(null);
        Assert.Equal(LearningTasks.All, host.Services.GetRequiredService<IOptions<TrainerOptions>>().Value.ResolvedTasks);
    }

    private IHost BuildHost(EmbeddedBroker? broker, params (string Key, string Value)[] settings)
    {
        var overrides = new List<KeyValuePair<string, string?>>
        {
            new("Trainer:DataFolder", _folder),
            new("Trainer:PollSeconds", "1"),
        };
        if (broker is not null)
        {
            overrides.Add(new("Broker:Host", broker.Host));
            overrides.Add(new("Broker:Port", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        overrides.AddRange(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        var builder = ServiceDefaults.CreateBuilder([], overrides);
        builder.Services.AddEmbeddedTelemetryStore(Path.Combine(_folder, "store"));
        builder.Services.AddTrainer(builder.Configuration);
        return builder.Build();
    }

    private static string ModelArtifactsSha(byte[] bytes) => Pipeline.Models.ModelArtifacts.Sha256Hex(bytes);
}

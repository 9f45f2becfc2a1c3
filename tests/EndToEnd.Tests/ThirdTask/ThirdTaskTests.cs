using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Inference;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest;
using Pipeline.Ingest.Observability;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.TestSupport;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.Service;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests.ThirdTask;

/// <summary>
/// A third kind of sensor data, defined in this folder only and registered with one call, goes the whole way: over
/// MQTT into ingest, which decodes, checks and stores it (and quarantines a bad reading), into the store as generic
/// records, and through a training round that cuts, trains, blesses and registers a model that loads and answers, also
/// as an edge agent asks it, through the task's own inference. Nothing of swing or droplet is touched.
/// </summary>
public sealed class ThirdTaskTests(EmbeddedBrokerFixture broker, ITestOutputHelper output) : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private const int SessionsPerClass = 24;
    private const int ReadingsPerSession = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly TemporaryFolder _data = new("third-task-");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ALevelTaskRegisteredByTheTest_IsIngestedStoredAndTrained()
    {
        var builder = ServiceDefaults.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Broker:Host"] = broker.Broker.ToOptions().Host,
            ["Broker:Port"] = broker.Broker.ToOptions().Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest:DataFolder"] = _data.Path,
            ["Ingest:ClientId"] = "ingest-third-task",
        });
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
        builder.Services.AddLearningTask(new LevelTask());
        builder.Services.AddIngest(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<IngestService>().Subscribed.WaitAsync(Patience);
            await PublishSessionsAsync();

            var store = host.Services.GetRequiredService<ITelemetryStore>();
            var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
            const int readings = 2 * SessionsPerClass * ReadingsPerSession;
            await Eventually.TrueAsync(async () => (await store.CountAsync(CancellationToken.None)) is { Records: readings, Labels: 2 * SessionsPerClass }
                && telemetry.Totals.Quarantined == 1, Patience, "every level reading and label stored, the broken reading quarantined");
            Assert.Equal(readings, telemetry.Totals.Records);
            Assert.Equal(0, (await store.CountAsync(CancellationToken.None)).MotionBatches);

            var tasks = host.Services.GetRequiredService<TaskRegistry>();
            Assert.Equal([LearningTasks.Swing, LearningTasks.Droplet, LevelTask.TaskName], tasks.Names);
            var options = new TrainerOptions
            {
                DataFolder = _data.Path, Epochs = 12, BatchSize = 8, MinExamplesPerClass = 4, HeldOutFraction = 0.25, Schedule = NonPipelinedSchedule.ScheduleName,
            };
            var registry = new ModelRegistry(_data.Path);
            var round = new TrainingRound(options, store, registry, announcer: null, TimeProvider.System, host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("round"), tasks);
            Assert.True(await round.HasEnoughDataAsync(LevelTask.TaskName, CancellationToken.None));
            var result = await Bounded.WithinAsync(round.RunAsync(1, LevelTask.TaskName, CancellationToken.None), Patience, "the level round");

            Assert.Equal(1, result.Version);
            Assert.True(result.Accuracy >= 0.9, $"held-out accuracy {result.Accuracy:P0} on filling against draining tanks");
            var manifest = registry.Current(LevelTask.TaskName)!;
            Assert.Equal(["draining", "filling"], manifest.Classes);
            Assert.Equal("window-cnn", manifest.Architecture);
            Assert.Equal([1, LevelTask.WindowLevels], manifest.InputShape);
            using var model = ModelArtifacts.Load(registry.ReadArtifact(manifest), manifest);
            var smoke = tasks.Find(LevelTask.TaskName).SmokeInput();
            Assert.Equal("filling", model.Predict(smoke.Input, smoke.Auxiliary).ClassName);

            // As an edge agent asks it: a window of levels read, prepared and answered by the task's own inference.
            var inference = tasks.Find(LevelTask.TaskName).Inference;
            float[] rising = [.. Enumerable.Range(0, LevelTask.WindowLevels).Select(i => 30f + (0.5f * i))];
            float[] falling = [.. Enumerable.Range(0, LevelTask.WindowLevels).Select(i => 70f - (0.5f * i))];
            Assert.Equal("filling", model.Ask(inference.Prepare(rising)).PredictedClass);
            Assert.Equal("draining", model.Ask(inference.Prepare(falling)).PredictedClass);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Filling and draining tanks, each session four readings of eight levels then its label, and one reading a broken sensor sends.</summary>
    private async Task PublishSessionsAsync()
    {
        await using var publisher = new MqttConnectionFactory(broker.Broker.ToOptions(), TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning)).Create("tank-publisher");
        await publisher.ConnectAsync(CancellationToken.None).WaitAsync(Patience);
        var random = new Random(7);
        var start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() * 1000;
        ulong sequence = 0;
        for (var session = 0; session < 2 * SessionsPerClass; session++)
        {
            var device = $"tank-{session % 3}";
            var filling = session % 2 == 0;
            var sessionStart = start + (session * 10_000_000L);
            var level = 20f + (60f * (float)random.NextDouble());
            var slope = (filling ? 1 : -1) * (0.3f + (0.5f * (float)random.NextDouble()));
            for (var r = 0; r < ReadingsPerSession; r++)
            {
                var levels = new float[LevelTask.WindowLevels / ReadingsPerSession];
                for (var i = 0; i < levels.Length; i++)
                {
                    level = Math.Clamp(level + slope + (0.3f * (float)(random.NextDouble() - 0.5)), 0f, 100f);
                    levels[i] = level;
                }

                var reading = new LevelReading(device, 1, sequence++, sessionStart + (r * 1_000_000L), levels);
                await publisher.PublishAsync(Topics.Telemetry("site", device, "level"), LevelCodec.Encode(reading), false, CancellationToken.None);
            }

            var label = new SessionLabel(device, $"s-{session}", LevelTask.TaskName, sessionStart, sessionStart + (ReadingsPerSession * 1_000_000L), Class: filling ? "filling" : "draining");
            await publisher.PublishAsync(Topics.Labels("site", device), ControlMessageCodec.Encode(label), false, CancellationToken.None);
        }

        var broken = new LevelReading("tank-0", 1, sequence, start, [50f, 140f]);
        await publisher.PublishAsync(Topics.Telemetry("site", "tank-0", "level"), LevelCodec.Encode(broken), false, CancellationToken.None);
    }
}

using Pipeline.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.Trainer.Publishing;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Service;

namespace Pipeline.Trainer.Tests;

public sealed class TrainingRoundTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("round-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Round_SwingSessionsInRealStore_TrainsBlessesStoresAndPublishesLoadableModel()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0, NullLogger.Instance, CancellationToken.None);
        await using var store = EmbeddedTelemetryStore.Open(Path.Combine(_folder, "store"));
        await WriteSwingSessionsAsync(store, sessionsPerClass: 12);

        await using var publisherConnection = new MqttConnection(broker.ToOptions(), "trainer-test", NullLogger.Instance);
        await publisherConnection.ConnectAsync(CancellationToken.None);
        await using var listener = new MqttConnection(broker.ToOptions(), "listener-test", NullLogger.Instance);
        await listener.ConnectAsync(CancellationToken.None);
        var manifests = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await listener.SubscribeAsync(Topics.ModelManifest(LearningTasks.Swing), (m, _) => { manifests.TrySetResult(m.Payload); return Task.CompletedTask; }, CancellationToken.None);

        var options = new TrainerOptions { DataFolder = _folder, Epochs = 10, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25 };
        var registry = new ModelRegistry(_folder);
        var round = new TrainingRound(options, store, registry, new ModelPublisher(publisherConnection), TimeProvider.System, NullLogger.Instance);
        Assert.True(await round.HasEnoughDataAsync(LearningTasks.Swing, CancellationToken.None));
        var result = await round.RunAsync(1, LearningTasks.Swing, CancellationToken.None);

        Assert.Equal(1, result.Version);
        Assert.True(result.Accuracy >= 0.8, $"held-out accuracy {result.Accuracy:P0}");
        var decoded = ControlMessageCodec.DecodeModelManifest(await manifests.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(decoded.IsSuccess, decoded.Error?.Message);
        using var model = ModelArtifacts.Load(registry.ReadArtifact(decoded.Value), decoded.Value);
        ModelArtifacts.SmokeCheck(model);
        Assert.Equal(["alice:draw", "bob:fade"], decoded.Value.Classes);
    }

    [Fact]
    public async Task SecondRound_JudgesTheCandidateAgainstTheCurrentModelOnTheSameHeldOutData()
    {
        await using var store = EmbeddedTelemetryStore.Open(Path.Combine(_folder, "store"));
        await WriteSwingSessionsAsync(store, sessionsPerClass: 12);
        var options = new TrainerOptions { DataFolder = _folder, Epochs = 4, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25 };
        var registry = new ModelRegistry(_folder);
        var log = new RecordingLogger();
        var round = new TrainingRound(options, store, registry, publisher: null, TimeProvider.System, log);

        var first = await round.RunAsync(1, LearningTasks.Swing, CancellationToken.None);
        var second = await round.RunAsync(2, LearningTasks.Swing, CancellationToken.None);

        Assert.Equal(1, first.Version);
        var verdict = Assert.Single(log.Messages, m => m.StartsWith("round 2 swing: accuracy", StringComparison.Ordinal));
        Assert.Contains("current v1 scores", verdict, StringComparison.Ordinal);
        Assert.Contains("on the same held-out data", verdict, StringComparison.Ordinal);
        Assert.Equal(second.Version is null ? 1 : 2, registry.Current(LearningTasks.Swing)!.Version);
    }

    private static async Task WriteSwingSessionsAsync(EmbeddedTelemetryStore store, int sessionsPerClass)
    {
        var random = new Random(11);
        var start = 1_700_000_000_000_000L;
        string[] players = ["alice", "bob"];
        string[] shapes = ["draw", "fade"];
        for (var c = 0; c < 2; c++)
        {
            for (var s = 0; s < sessionsPerClass; s++)
            {
                const int count = 1200;
                var samples = new float[count * 8];
                var impact = 400 + random.Next(400);
                for (var i = 0; i < count; i++)
                {
                    var envelope = Math.Exp(-Math.Pow((i - impact) / 60.0, 2));
                    for (var ch = 0; ch < 8; ch++)
                    {
                        var wave = ch >= 5 ? 900 * envelope * Math.Sin(i * (c + 1) * 0.06) : (c == 0 ? 1 : -1) * 0.3 * envelope * SwingWindowingScale(ch);
                        samples[(i * 8) + ch] = (float)(wave + ((random.NextDouble() - 0.5) * 0.05 * SwingWindowingScale(ch)));
                    }
                }

                // Make sure the impact is the peak gyro magnitude.
                samples[(impact * 8) + MotionChannels.GyroX] = 1500;
                var device = $"club-{s % 3}";
                await store.WriteMotionAsync([new MotionBatch(device, 1, (ulong)((c * 1000) + s), start, 500f, samples)], CancellationToken.None);
                var end = start + (count * 2000L);
                await store.WriteLabelAsync(new SessionLabel(device, $"s{c}-{s}", LearningTasks.Swing, start, end, new SwingLabel(players[c], shapes[c]), null), CancellationToken.None);
                start = end + 1_000_000;
            }
        }
    }

    private static double SwingWindowingScale(int channel) => SwingWindowing.ChannelScale[channel];
}

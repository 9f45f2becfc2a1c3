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
        await LabelledSwingSessions.WriteAsync(store, sessionsPerClass: 12);

        await using var publisherConnection = new MqttConnection(broker.ToOptions(), "trainer-test", NullLogger.Instance);
        await publisherConnection.ConnectAsync(CancellationToken.None);
        await using var listener = new MqttConnection(broker.ToOptions(), "listener-test", NullLogger.Instance);
        await listener.ConnectAsync(CancellationToken.None);
        var manifests = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await listener.SubscribeAsync(Topics.ModelManifest(LearningTasks.Swing), (m, _) => { manifests.TrySetResult(m.Payload); return Task.CompletedTask; }, CancellationToken.None);

        var options = new TrainerOptions { DataFolder = _folder, Epochs = 10, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25 };
        var registry = new ModelRegistry(_folder);
        var round = new TrainingRound(options, store, registry, new ModelPublisher(publisherConnection, signingKey: null), TimeProvider.System, NullLogger.Instance);
        Assert.True(await round.HasEnoughDataAsync(LearningTasks.Swing, CancellationToken.None));
        var result = await round.RunAsync(1, LearningTasks.Swing, CancellationToken.None);

        Assert.Equal(1, result.Version);
        Assert.True(result.Accuracy >= 0.8, $"held-out accuracy {result.Accuracy:P0}");
        var decoded = ControlMessageCodec.DecodeModelManifest(await manifests.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(decoded.IsSuccess, decoded.Error?.Message);
        using var model = ModelArtifacts.Load(registry.ReadArtifact(decoded.Value), decoded.Value);
        ModelArtifacts.SmokeCheck(model);
        Assert.Equal(LabelledSwingSessions.Classes, decoded.Value.Classes);
    }

    [Fact]
    public async Task SecondRound_JudgesTheCandidateAgainstTheCurrentModelOnTheSameHeldOutData()
    {
        await using var store = EmbeddedTelemetryStore.Open(Path.Combine(_folder, "store"));
        await LabelledSwingSessions.WriteAsync(store, sessionsPerClass: 12);
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
}

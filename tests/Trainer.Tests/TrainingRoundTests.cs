using Pipeline.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.Trainer.Publishing;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Service;

namespace Pipeline.Trainer.Tests;

public sealed class TrainingRoundTests : IDisposable
{
    private static readonly TimeSpan RoundPatience = TimeSpan.FromMinutes(5);

    private readonly string _folder = Directory.CreateTempSubdirectory("round-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Round_SwingSessionsInRealStore_TrainsBlessesStoresAndPublishesLoadableModel()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0, NullLogger.Instance, CancellationToken.None);
        await using var store = EmbeddedTelemetryStore.Open(Path.Combine(_folder, "store"));
        await LabelledSwingSessions.WriteAsync(store, sessionsPerClass: 12);

        await using var publisherConnection = new MqttConnectionFactory(broker.ToOptions(), NullLoggerFactory.Instance).Create("trainer-test");
        await publisherConnection.ConnectAsync(CancellationToken.None);
        await using var listener = new MqttConnectionFactory(broker.ToOptions(), NullLoggerFactory.Instance).Create("listener-test");
        await listener.ConnectAsync(CancellationToken.None);
        var manifests = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await listener.SubscribeAsync(Topics.ModelManifest(LearningTasks.Swing), (m, _) => { manifests.TrySetResult(m.Payload); return Task.CompletedTask; }, CancellationToken.None);

        var options = new TrainerOptions { DataFolder = _folder, Epochs = 10, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25 };
        var registry = new ModelRegistry(_folder);
        using var announcer = new DecisionAnnouncer(registry, new ModelPublisher(publisherConnection, signingKey: null), TimeProvider.System, NullLogger.Instance);
        var round = new TrainingRound(options, store, registry, announcer, TimeProvider.System, NullLogger.Instance);
        Assert.True(await round.HasEnoughDataAsync(LearningTasks.Swing, CancellationToken.None));
        var result = await Bounded.WithinAsync(round.RunAsync(1, LearningTasks.Swing, CancellationToken.None), RoundPatience, "round 1");

        Assert.Equal(1, result.Version);
        Assert.True(result.Accuracy >= 0.8, $"held-out accuracy {result.Accuracy:P0}");
        var decoded = ControlMessageCodec.DecodeModelManifest(await manifests.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(decoded.IsSuccess, decoded.Error?.Message);
        Assert.Equal(ModelDecision.Publish, decoded.Value.Decision!.Kind);
        using var model = ModelArtifacts.Load(registry.ReadArtifact(decoded.Value), decoded.Value);
        ModelArtifacts.SmokeCheck(model);
        Assert.Equal(LabelledSwingSessions.Classes, decoded.Value.Classes);

        var card = ModelCardFile.Read(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v1"));
        Assert.NotNull(card);
        Assert.Equal(1, card.Version);
        Assert.Equal(LabelledSwingSessions.Classes, card.HeldOut.PerClass.Select(c => c.Class));
        Assert.Equal(card.Data.HeldOutExamples, card.HeldOut.PerClass.Sum(c => c.Support));
        Assert.Null(card.HeldOut.PerFrame);
        Assert.Null(card.HeldOut.PerDroplet);
        Assert.Equal(64, card.Data.Identity.Length);
        Assert.True(card.Data.Sessions > 0 && card.Data.From is not null && string.CompareOrdinal(card.Data.From, card.Data.To) < 0, $"{card.Data}");
        Assert.True(card.Blessing.Blessed);
        Assert.Equal(10, card.Training.Epochs);

        // Two saliency maps per class (the default) beside the charts, each a PNG listed in the card.
        Assert.NotNull(card.Explanations);
        Assert.Equal(card.HeldOut.PerClass.SelectMany(c => Enumerable.Repeat(c.Class, Math.Min(2, c.Support))), card.Explanations.Select(e => e.TrueClass));
        Assert.NotEmpty(card.Explanations);
        Assert.All(card.Explanations, e =>
        {
            var png = File.ReadAllBytes(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v1", e.File));
            Assert.Equal("PNG", System.Text.Encoding.ASCII.GetString(png, 1, 3));
            Assert.Contains(e.PredictedClass, LabelledSwingSessions.Classes);
            Assert.Equal(e.PredictedClass, e.ExplainedClass);
        });
    }

    [Fact]
    public async Task SecondRound_JudgedAgainstTheCurrentModelOnTheSameHeldOutData_IsNotBlessedShortOfTheMargin_AndItsCardSaysWhy()
    {
        await using var store = EmbeddedTelemetryStore.Open(Path.Combine(_folder, "store"));
        await LabelledSwingSessions.WriteAsync(store, sessionsPerClass: 12);
        // A margin no candidate can gain (accuracy cannot rise by a whole 1): the second round is judged, and refused.
        var options = new TrainerOptions { DataFolder = _folder, Epochs = 4, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25, BlessingMinimumMargin = 1 };
        var registry = new ModelRegistry(_folder);
        var log = new RecordingLogger();
        var round = new TrainingRound(options, store, registry, announcer: null, TimeProvider.System, log);

        var first = await Bounded.WithinAsync(round.RunAsync(1, LearningTasks.Swing, CancellationToken.None), RoundPatience, "round 1");
        var second = await Bounded.WithinAsync(round.RunAsync(2, LearningTasks.Swing, CancellationToken.None), RoundPatience, "round 2");

        Assert.Equal(1, first.Version);
        Assert.Null(second.Version);
        Assert.Equal(1, registry.Current(LearningTasks.Swing)!.Version);
        Assert.Equal(2, registry.NextVersion(LearningTasks.Swing));
        var rejected = Assert.Single(Directory.GetDirectories(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "rejected")));
        var card = ModelCardFile.Read(rejected)!;
        Assert.Null(card.Version);
        Assert.False(card.Blessing.Blessed);
        Assert.Equal(1, card.Blessing.CurrentVersion);
        Assert.Equal(first.Accuracy, card.Blessing.CurrentScoreOnSameData!.Value, 6);
        Assert.Equal(second.Accuracy, card.Blessing.CandidateScore, 6);
        Assert.Contains(log.Messages, m => m.StartsWith("round 2 swing: accuracy", StringComparison.Ordinal) && m.Contains("not blessed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WarmStart_SecondRound_StartsFromTheCurrentVersionsWeights_AndItsCardSaysSo()
    {
        await using var store = EmbeddedTelemetryStore.Open(Path.Combine(_folder, "store"));
        await LabelledSwingSessions.WriteAsync(store, sessionsPerClass: 12);
        var registry = new ModelRegistry(_folder);
        var log = new RecordingLogger();
        var learn = new TrainerOptions { DataFolder = _folder, Epochs = 10, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25, WarmStart = true };
        var first = await Bounded.WithinAsync(new TrainingRound(learn, store, registry, announcer: null, TimeProvider.System, log).RunAsync(1, LearningTasks.Swing, CancellationToken.None),
            RoundPatience, "round 1");

        // One epoch at the smallest learning rate moves no weight far: a fresh start would stay near chance (1 in 9), a
        // warm one near what round 1 learnt. A margin no candidate can gain keeps v1 current, so the card is the rejected one's.
        var barelyMove = new TrainerOptions
        {
            DataFolder = _folder, Epochs = 1, LearningRate = 1e-6, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25, WarmStart = true, BlessingMinimumMargin = 1,
        };
        var second = await Bounded.WithinAsync(new TrainingRound(barelyMove, store, registry, announcer: null, TimeProvider.System, log).RunAsync(2, LearningTasks.Swing, CancellationToken.None),
            RoundPatience, "round 2");

        Assert.True(first.Accuracy >= 0.5, $"round 1 reached {first.Accuracy:P0}: too little learnt for a warm start to show");
        Assert.True(Math.Abs(second.Accuracy - first.Accuracy) <= 0.1, $"round 2 {second.Accuracy:P0} against round 1 {first.Accuracy:P0}: it did not start from v1's weights");
        var card = ModelCardFile.Read(Assert.Single(Directory.GetDirectories(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "rejected"))))!;
        Assert.Equal(1, card.Training.WarmStartedFrom);
        Assert.Null(ModelCardFile.Read(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v1"))!.Training.WarmStartedFrom);
        Assert.Contains(log.Messages, m => m.StartsWith("round 2 swing:", StringComparison.Ordinal) && m.Contains("starting from v1's weights", StringComparison.Ordinal));
        Assert.Contains(log.Messages, m => m.StartsWith("round 1 swing:", StringComparison.Ordinal) && m.Contains("starting from fresh weights (warm start: no current model)", StringComparison.Ordinal));
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Pipeline.Simulation.Golf;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;
using static Pipeline.EdgeAgent.Tests.Agent.ModelAnnouncements;

namespace Pipeline.EdgeAgent.Tests.Agent;

/// <summary>
/// The agent's model intake against a corpus of hostile announcements, each retained as an attacker on the broker
/// would leave it (unsigned, signed by a stranger, altered after signing, and malformed ones signed with the trusted key): every one is refused with a reason, the agent keeps predicting with the model it runs, its memory
/// stays bounded, and a good model announced afterwards is still adopted.
/// </summary>
public sealed class HostileModelIntakeTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("edge-agent-hostile");

    private BrokerOptions Broker => fixture.Broker.ToOptions();

    [Fact]
    public async Task HostileAnnouncements_AreEachRefused_WhileTheAgentKeepsPredicting_AndAGoodModelStillLoads()
    {
        const string device = "club-hostile";
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"),
            Topics.Status(Topics.DefaultSite, device), Topics.Predictions(Topics.DefaultSite, device));
        var options = AgentFactory.Golf(device, _folder.Combine(device));
        options.SpeedFactor = 20;
        var worker = AgentFactory.Create(Broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Statuses(recorder, device).Count > 0, Patience, "the agent comes online");
            var (good, goodArtifact) = BuildModel(LearningTasks.Swing, 1, GolfClubSimulator.ClassNames);
            await AnnounceAsync(recorder, good, goodArtifact);
            await Eventually.TrueAsync(() => worker.ModelVersion == 1, Patience, "model v1 runs");
            var rssBefore = ResidentBytes();

            var corpus = Corpus(good, goodArtifact).ToList();
            foreach (var (name, manifest, artifact) in corpus)
            {
                var refusedBefore = worker.Snapshot().Rejections;
                if (artifact is not null && Decoded(manifest) is { Chunks: not null } declared)
                {
                    await PublishChunksAsync(recorder, declared, artifact);
                }

                await recorder.PublishAsync(Topics.ModelManifest(LearningTasks.Swing), manifest, retain: true);
                await Eventually.TrueAsync(() => worker.Snapshot().Rejections > refusedBefore, Patience, $"\"{name}\" is refused");
                Assert.Equal(1, worker.ModelVersion);
            }

            var predictions = Predictions(recorder, device).Count;
            await Eventually.TrueAsync(() => Predictions(recorder, device).Count >= predictions + 3, Patience, "the agent keeps predicting after the corpus");
            var rssAfter = ResidentBytes();
            output.WriteLine($"{corpus.Count} hostile announcements refused; resident memory {rssBefore / 1048576.0:0} MiB before, {rssAfter / 1048576.0:0} MiB after");
            Assert.True(rssAfter - rssBefore < 512L * 1024 * 1024, $"resident memory grew by {(rssAfter - rssBefore) / 1048576.0:0} MiB");

            var (next, nextArtifact) = BuildModel(LearningTasks.Swing, 5, GolfClubSimulator.ClassNames);
            await AnnounceAsync(recorder, next, nextArtifact);
            await Eventually.TrueAsync(() => worker.ModelVersion == 5, Patience, "a good model v5 is adopted after the corpus");
            // The retained status lets a rollout be followed: the refusal it carries names the version and why; v5 was shown as fetching, then running.
            await Eventually.TrueAsync(() => Statuses(recorder, device).LastOrDefault() is { ModelVersion: 5, FetchingVersion: null }, Patience, "the status shows v5 running");
            Assert.Contains(Statuses(recorder, device), s => s.LastRefusal is { Version: 10 } refusal && refusal.Reason.Contains("tampered", StringComparison.Ordinal));
            Assert.Contains(Statuses(recorder, device), s => s.FetchingVersion == 5);
            var refusals = Statuses(recorder, device).Where(s => s.Message?.Contains("refused", StringComparison.Ordinal) == true).Select(s => s.Message!).ToList();
            Assert.All(refusals, message => Assert.True(message.Length > "refused".Length + 10, $"refusal without a reason: {message}"));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }

    /// <summary>Each hostile announcement: its name, the manifest payload, and the artifact retained beside it (if any).</summary>
    private static IEnumerable<(string Name, byte[] Manifest, byte[]? Artifact)> Corpus(ModelManifest good, byte[] goodArtifact)
    {
        byte[] With(int version, Action<JsonNode> change)
        {
            var node = JsonNode.Parse(ControlMessageCodec.Encode(good with { Version = version, ArtifactTopic = Topics.ModelArtifact(good.Task, version) }))!;
            change(node);
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }

        ModelManifest Declaring(int version, byte[] artifact, Func<ModelManifest, ModelManifest>? change = null)
        {
            var manifest = good with
            {
                Version = version, ArtifactTopic = Topics.ModelArtifact(good.Task, version), SizeBytes = artifact.Length, Sha256 = ModelArtifacts.Sha256Hex(artifact),
                Chunks = ArtifactChunks.Of(artifact, ArtifactChunks.DefaultChunkBytes),
            };
            return change is null ? manifest : change(manifest);
        }

        yield return ("null class", With(2, n => n["classes"] = JsonNode.Parse("[\"a\",null]")), null);
        yield return ("version of the wrong type", With(2, n => n["version"] = "two"), null);
        yield return ("metrics missing", With(2, n => n["metrics"] = null), null);
        yield return ("a huge string", With(2, n => n["architecture"] = new string('x', 60_000)), null);
        yield return ("a payload over the size limit", new byte[ControlMessageCodec.MaxBytes + 1], null);
        yield return ("not JSON at all", [0xff, 0x00, 0x13, 0x37], null);
        var garbage = new byte[4096];
        new Random(3).NextBytes(garbage);
        // Signed with the trusted key, as if that key were stolen: the checks behind the signature must hold on their own.
        yield return ("a garbage artifact near int.MaxValue", Signed(Declaring(int.MaxValue - 1, garbage)), garbage);
        yield return ("a huge declared input shape", Signed(Declaring(3, goodArtifact, m => m with { InputShape = [65536, 65536, 65536, 65536] })), goodArtifact);
        yield return ("another architecture", Signed(Declaring(4, goodArtifact, m => m with { Architecture = "resnet-56" })), goodArtifact);
        yield return ("an architecture nobody knows", Signed(Declaring(6, goodArtifact, m => m with { Architecture = "no-such-net" })), goodArtifact);
        yield return ("a task this device does not run", Signed(Declaring(7, goodArtifact, m => m with { Task = LearningTasks.Droplet, ArtifactTopic = Topics.ModelArtifact(LearningTasks.Droplet, 7) })), null);

        // Signed, and its artifact loads with the declared shapes, but it answers NaN: the smoke check must refuse it.
        var (unanswering, unansweringArtifact) = WithNaNWeights(11);
        yield return ("a model that fails its smoke check", Signed(unanswering), unansweringArtifact);

        // A manifest and artifact that would load and run, short only of a trusted signature.
        yield return ("an unsigned manifest", ControlMessageCodec.Encode(Declaring(8, goodArtifact)), goodArtifact);
        using (var stranger = new TemporaryFolder("stranger-key"))
        using (var strangerKey = ModelSigningKey.Ensure(stranger.Combine("model-signing.key"), stranger.Combine("trusted")))
        {
            yield return ("a manifest signed by a key nobody trusts", ControlMessageCodec.Encode(ModelManifestSigning.Sign(Declaring(9, goodArtifact), strangerKey)), goodArtifact);
        }

        var substitute = BuildModel(LearningTasks.Swing, 77, GolfClubSimulator.ClassNames).Artifact;
        yield return ("a signed manifest whose artifact was swapped after signing",
            ControlMessageCodec.Encode(TestModelKeys.Sign(Declaring(10, goodArtifact)) with
            {
                SizeBytes = substitute.Length, Sha256 = ModelArtifacts.Sha256Hex(substitute), Chunks = ArtifactChunks.Of(substitute, ArtifactChunks.DefaultChunkBytes),
            }), substitute);
    }

    private static (ModelManifest Manifest, byte[] Artifact) WithNaNWeights(int version)
    {
        using var model = ModelCatalog.Create(ModelCatalog.SwingCnn, GolfClubSimulator.ClassNames.Count, seed: version);
        using (TorchSharp.torch.no_grad())
        {
            foreach (var parameter in model.parameters())
            {
                parameter.fill_(float.NaN);
            }
        }

        return Describe(model, LearningTasks.Swing, version, GolfClubSimulator.ClassNames);
    }

    private static byte[] Signed(ModelManifest manifest) => ControlMessageCodec.Encode(TestModelKeys.Sign(manifest));

    private static ModelManifest? Decoded(byte[] manifest)
    {
        var decoded = ControlMessageCodec.DecodeModelManifest(manifest);
        return decoded.IsSuccess ? decoded.Value : null;
    }

    private static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

}

using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests.Architecture;

public class ResearchArchitectureArtifactTests
{
    [Theory]
    [MemberData(nameof(ResearchArchitectures.All), MemberType = typeof(ResearchArchitectures))]
    public void LoadBlocks_SavedResearchModel_GivesIdenticalLogits(string architecture)
    {
        using var original = ModelCatalog.Create(architecture, ResearchArchitectures.Classes, seed: 3);
        using var scope = NewDisposeScope();
        var input = randn([3, .. original.InputShape.Select(d => (long)d)], generator: new Generator(7));
        var auxiliary = zeros(3, 1);
        using (no_grad())
        {
            // One training-mode forward moves the batch-norm statistics off their defaults, so the round trip must carry them.
            original.train();
            original.forward(input, auxiliary);
        }

        original.eval();
        var artifact = ModelArtifacts.Save(original);
        var classes = Enumerable.Range(0, ResearchArchitectures.Classes).Select(c => $"class{c}").ToArray();
        var manifest = new ModelManifest(LearningTasks.Swing, 1, architecture, 1_700_000_000_000_000, Topics.ModelArtifact(LearningTasks.Swing, 1),
            artifact.Length, ModelArtifacts.Sha256Hex(artifact), [.. original.InputShape], classes, new ModelMetrics(0.5, 0.5, 10, null), "pipelined");

        using var loaded = ModelArtifacts.LoadBlocks(artifact, manifest);

        using var noGrad = no_grad();
        Assert.True(original.forward(input, auxiliary).eq(loaded.forward(input, auxiliary)).all().item<bool>(), $"{architecture} logits differ after save and load");
    }
}

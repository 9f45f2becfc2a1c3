using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.Tasks.Droplet;

namespace Pipeline.Trainer.Tests;

public class ModelArtifactsTests
{
    private static readonly string[] Vocs = ["acetone", "ethanol", "toluene"];

    private static (byte[] Artifact, ModelManifest Manifest) Saved(string architecture = ModelCatalog.DropletCnn)
    {
        using var model = ModelCatalog.Create(architecture, Vocs.Length, seed: 3);
        var artifact = ModelArtifacts.Save(model);
        return (artifact, Manifest(artifact, architecture, [.. model.InputShape]));
    }

    private static ModelManifest Manifest(byte[] artifact, string architecture, int[] shape) =>
        new(LearningTasks.Droplet, 1, architecture, 1_700_000_000_000_000, Topics.ModelArtifact(LearningTasks.Droplet, 1),
            artifact.Length, ModelArtifacts.Sha256Hex(artifact), shape, Vocs, new ModelMetrics(0.5, 0.5, 10, 0.2), "pipelined");

    [Fact]
    public void Load_SavedDropletModel_PredictsSameAsOriginalWithConcentration()
    {
        using var original = ModelCatalog.Create(ModelCatalog.DropletCnn, Vocs.Length, seed: 3);
        var (artifact, manifest) = Saved();
        using var loaded = ModelArtifacts.Load(artifact, manifest);
        var input = Enumerable.Range(0, DropletSegmenter.CropSide * DropletSegmenter.CropSide).Select(i => (i % 17) / 17f).ToArray();
        var result = loaded.Predict(input, 0.3f);
        Assert.Contains(result.ClassName, Vocs);
        Assert.NotNull(result.ConcentrationPercent);
        Assert.InRange(result.Confidence, 0f, 1f);
        ModelArtifacts.SmokeCheck(loaded);
    }

    [Fact]
    public void Load_ModelTrainedOnAnotherShape_IsBuiltForTheShapeItsManifestDeclares()
    {
        int[] shape = [3, 64];
        using var original = ModelCatalog.CreateForInput(ModelCatalog.GolfVgg, Vocs.Length, shape, seed: 5);
        var artifact = ModelArtifacts.Save(original);
        var input = Enumerable.Range(0, 3 * 64).Select(i => MathF.Sin(i / 7f)).ToArray();

        using var loaded = ModelArtifacts.Load(artifact, Manifest(artifact, ModelCatalog.GolfVgg, shape));

        ModelArtifacts.SmokeCheck(loaded);
        Assert.InRange(loaded.Predict(input, 0f).Confidence, 0f, 1f);
    }

    [Theory]
    [InlineData(new[] { 8, 100_000_000 })]
    [InlineData(new[] { 8, 0 })]
    [InlineData(new int[0])]
    public void Load_ManifestWithAnUnboundedInputShape_IsRefusedBeforeAnythingIsBuilt(int[] shape)
    {
        using var model = ModelCatalog.Create(ModelCatalog.GolfVgg, Vocs.Length, seed: 5);
        var artifact = ModelArtifacts.Save(model);

        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifacts.Load(artifact, Manifest(artifact, ModelCatalog.GolfVgg, shape)));

        Assert.Contains("input shape", error.Message);
    }

    [Fact]
    public void Load_TruncatedArtifact_RefusesNamingTheSize()
    {
        var (artifact, manifest) = Saved();
        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifacts.Load(artifact[..^10], manifest));
        Assert.Contains("bytes", error.Message);
    }

    [Fact]
    public void Load_WrongChecksum_RefusesNamingTheChecksum()
    {
        var (artifact, manifest) = Saved();
        artifact[100] ^= 0xFF;
        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifacts.Load(artifact, manifest));
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public void Load_GarbageWithMatchingChecksum_RefusesAsWeightsThatDoNotLoad()
    {
        var garbage = new byte[5000];
        new Random(4).NextBytes(garbage);
        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifacts.Load(garbage, Manifest(garbage, ModelCatalog.DropletCnn, [1, DropletSegmenter.CropSide, DropletSegmenter.CropSide])));
        Assert.Contains("do not load", error.Message);
    }

    [Fact]
    public void Load_SwingWeightsUnderDropletManifest_Refuses()
    {
        var (artifact, _) = Saved(ModelCatalog.SwingCnn);
        Assert.Throws<ModelArtifactException>(() => ModelArtifacts.Load(artifact, Manifest(artifact, ModelCatalog.DropletCnn, [1, DropletSegmenter.CropSide, DropletSegmenter.CropSide])));
    }

    [Fact]
    public void Load_UnknownArchitecture_Refuses()
    {
        var (artifact, _) = Saved();
        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifacts.Load(artifact, Manifest(artifact, "resnet-9000", [1, 64, 64])));
        Assert.Contains("unknown", error.Message);
    }
}

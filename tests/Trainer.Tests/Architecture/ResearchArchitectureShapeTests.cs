using Pipeline.Models;
using Pipeline.Models.Architecture;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests.Architecture;

public class ResearchArchitectureShapeTests
{
    [Theory]
    [MemberData(nameof(ResearchArchitectures.All), MemberType = typeof(ResearchArchitectures))]
    public void Create_ResearchArchitecture_OutputsOneLogitPerClassForEachExampleOfABatch(string architecture)
    {
        using var model = ModelCatalog.Create(architecture, ResearchArchitectures.Classes, seed: 1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();

        var output = model.forward(randn([2, .. model.InputShape.Select(d => (long)d)]), zeros(2, 1));

        Assert.Equal([2L, ResearchArchitectures.Classes], output.shape);
        Assert.True(output.isfinite().all().item<bool>(), $"{architecture} produced non-finite logits");
    }

    [Theory]
    [MemberData(nameof(ResearchArchitectures.All), MemberType = typeof(ResearchArchitectures))]
    public void Create_ResearchArchitecture_HasTheDocumentedParameterCount(string architecture)
    {
        using var model = ModelCatalog.Create(architecture, ResearchArchitectures.Classes, seed: 1);

        var count = model.parameters().Sum(p => p.numel());

        var (min, max) = ResearchArchitectures.ParameterRanges[architecture];
        Assert.InRange(count, min, max);
    }

    [Theory]
    [MemberData(nameof(ResearchArchitectures.All), MemberType = typeof(ResearchArchitectures))]
    public void Create_ResearchArchitecture_NamesEveryBlockUniquelyAndKeepsEveryLearnedTensorInALearnedLayer(string architecture)
    {
        using var model = ModelCatalog.Create(architecture, ResearchArchitectures.Classes, seed: 1);

        var names = model.Blocks.Select(b => b.GetName()).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.True(model.Blocks.Count >= 4, $"{architecture} has only {model.Blocks.Count} blocks to split between");
        // The out-of-place optimiser only sees parameter slots: a parameter outside them would never train.
        Assert.Equal(model.parameters().Count(), model.ParameterSlots(0, model.Blocks.Count).Count);
    }

    [Theory]
    [MemberData(nameof(ResearchArchitectures.All), MemberType = typeof(ResearchArchitectures))]
    public void CreateForInput_ResearchArchitectureOnASmallUserInput_BuildsForThatShape(string architecture)
    {
        var shape = ResearchArchitectures.SmallInput(architecture);
        using var model = ModelCatalog.CreateForInput(architecture, 3, shape, seed: 2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();

        var output = model.forward(randn([4, .. shape.Select(d => (long)d)]), zeros(4, 1));

        Assert.Equal(shape, model.InputShape);
        Assert.Equal([4L, 3], output.shape);
    }

    [Theory]
    [InlineData(ModelCatalog.LeNet5)]
    [InlineData(ModelCatalog.ResNet20)]
    public void CreateForInput_PaperImageModelOnTheImageReadersGrayscaleFrames_KeepsTheParameterCountOfItsClassicInput(string architecture)
    {
        using var classic = ModelCatalog.CreateForInput(architecture, 10, [1, 32, 32]);
        using var frames = ModelCatalog.CreateForInput(architecture, 10, [1, 64, 64]);

        Assert.Equal(classic.parameters().Sum(p => p.numel()), frames.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [InlineData(ModelCatalog.GolfVanillaCnn, new[] { 8, 31 }, "at least 32 samples")]
    [InlineData(ModelCatalog.GolfResNet, new[] { 1, 32, 32 }, "[channels × samples]")]
    [InlineData(ModelCatalog.LeNet5, new[] { 3, 27, 27 }, "at least 28 × 28")]
    [InlineData(ModelCatalog.ResNet56, new[] { 8, 512 }, "[channels × height × width]")]
    public void CreateForInput_ResearchArchitectureOnAShapeItCannotTake_SaysWhatItNeeds(string architecture, int[] shape, string expected)
    {
        var error = Assert.Throws<ModelArtifactException>(() => ModelCatalog.CreateForInput(architecture, 3, shape));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(architecture, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateForInput_UnknownArchitecture_ListsEveryResearchArchitecture()
    {
        var error = Assert.Throws<ModelArtifactException>(() => ModelCatalog.CreateForInput("alexnet", 3, [3, 32, 32]));

        Assert.All(ResearchArchitectures.ParameterRanges.Keys, name => Assert.Contains(name, error.Message, StringComparison.Ordinal));
    }
}

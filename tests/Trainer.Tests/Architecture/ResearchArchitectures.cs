using Pipeline.Models.Architecture;

namespace Pipeline.Trainer.Tests.Architecture;

/// <summary>The research architectures under test, with the parameter ranges their doc comments state and a small input to step them on.</summary>
internal static class ResearchArchitectures
{
    /// <summary>Parameter counts as built by <see cref="ModelCatalog.Create"/> (its own input shape) for <see cref="Classes"/> classes.</summary>
    public static readonly IReadOnlyDictionary<string, (long Min, long Max)> ParameterRanges = new Dictionary<string, (long, long)>
    {
        [ModelCatalog.GolfVanillaCnn] = (25_000, 35_000),
        [ModelCatalog.GolfVgg] = (35_000, 45_000),
        [ModelCatalog.GolfInception] = (15_000, 25_000),
        [ModelCatalog.GolfResNet] = (30_000, 45_000),
        // LeNet-5 on CIFAR: 62,006 with 10 classes; the ResNets as He et al. count them (0.27M, 0.85M) plus the conv biases.
        [ModelCatalog.LeNet5] = (60_000, 63_000),
        [ModelCatalog.ResNet20] = (260_000, 280_000),
        [ModelCatalog.ResNet56] = (850_000, 870_000),
    };

    public const int Classes = 10;

    public static TheoryData<string> All => [.. ParameterRanges.Keys];

    /// <summary>
    /// A small input each architecture accepts, to keep stepping cheap: a short 3-channel window for the golf
    /// families (not [8 × 512], to show any channel count works), LeNet's minimum 32 × 32 and an 8 × 8 image for the ResNets.
    /// </summary>
    public static int[] SmallInput(string architecture) => architecture switch
    {
        ModelCatalog.LeNet5 => [1, 32, 32],
        ModelCatalog.ResNet20 or ModelCatalog.ResNet56 => [3, 8, 8],
        _ => [3, 64],
    };
}

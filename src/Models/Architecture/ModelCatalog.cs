using Pipeline.Protocol;
using TorchSharp;
using Pipeline.Tasks.Swing;
using Pipeline.Tasks.Droplet;

namespace Pipeline.Models.Architecture;

/// <summary>The architectures the trainer can build and the edge can load, by the name a manifest carries.</summary>
public static class ModelCatalog
{
    /// <summary>1-D CNN over [8 × 512] swing windows: four conv blocks 8→16→32→64→64, then a pooled linear head.</summary>
    public const string SwingCnn = "swing-cnn";

    /// <summary>
    /// 2-D CNN over one droplet: a [1 × 32 × 32] crop (<see cref="DropletSegmenter"/>: the droplet and its rim, 1.25 times its
    /// diameter across) through four conv blocks 1→8→16→32→64, degradation level appended before the head; class logits and
    /// concentration. A frame's prediction is the mean over its droplets. Why crops, not whole frames: every droplet is then
    /// seen at the same scale and centred, the model never has to learn where droplets sit, and each frame gives 3-5
    /// examples; the four blocks see 2 × 2 cells of 16 × 16 crop pixels, a quarter of the droplet each, pooled by the head.
    /// Models trained on whole frames before this took [1 × 64 × 64]; their artifacts say so in the manifest and agents
    /// still feed them whole frames.
    /// </summary>
    public const string DropletCnn = "droplet-cnn";

    /// <summary>Where the concentration output starts: the middle of the simulated microscope's 0.9-4.0 % v/v.</summary>
    public const float InitialConcentrationPercent = 2.45f;

    /// <summary>Jiao et al.'s plain 1-D CNN family for swing windows: five conv/BN/ReLU/pool blocks and a pooled head.</summary>
    public const string GolfVanillaCnn = "golf-vanilla-cnn";

    /// <summary>Jiao et al.'s VGG family for swing windows: three stages of two or three 3-tap convolutions, channels doubling.</summary>
    public const string GolfVgg = "golf-vgg";

    /// <summary>Jiao et al.'s Inception family for swing windows: three multi-scale blocks of parallel 1/3/5-tap and pool branches.</summary>
    public const string GolfInception = "golf-inception";

    /// <summary>Jiao et al.'s ResNet family for swing windows: four 1-D basic residual blocks with projection shortcuts.</summary>
    public const string GolfResNet = "golf-resnet";

    /// <summary>LeNet-5, as in the pipelined-training paper's first experiments; [3 × 32 × 32] unless built for other images.</summary>
    public const string LeNet5 = "lenet-5";

    /// <summary>CIFAR ResNet-20 (3 stages × 3 basic blocks); [3 × 32 × 32] unless built for other images.</summary>
    public const string ResNet20 = "resnet-20";

    /// <summary>CIFAR ResNet-56 (3 stages × 9 basic blocks), the paper's Table 5 model; [3 × 32 × 32] unless built for other images.</summary>
    public const string ResNet56 = "resnet-56";

    /// <summary>The input LeNet-5 and the ResNets are built for when no data says otherwise: a CIFAR image, as in the paper.</summary>
    private static readonly int[] CifarImageShape = [3, 32, 32];

    private static readonly string[] GolfFamilies = [GolfVanillaCnn, GolfVgg, GolfInception, GolfResNet];

    private static readonly string[] PaperImageModels = [LeNet5, ResNet20, ResNet56];

    public static readonly IReadOnlyList<string> Architectures = [SwingCnn, DropletCnn, .. GolfFamilies, .. PaperImageModels];

    /// <summary>
    /// 1-D CNN over a user's [channels × samples] windows (pipeline train --data file.csv): swing-cnn's four conv
    /// blocks and head, with the first convolution taking however many channels the data has. The head averages
    /// over time, so any window of at least <see cref="MinimumWindowSamples"/> samples fits.
    /// </summary>
    public const string WindowCnn = "window-cnn";

    /// <summary>2-D CNN over a user's images resampled to [1 × 64 × 64] grayscale: droplet-cnn's four conv blocks with a plain classification head (no auxiliary input, no concentration).</summary>
    public const string ImageCnn = "image-cnn";

    /// <summary>Four conv blocks each halve the time axis; below this a window has no samples left for the head.</summary>
    public const int MinimumWindowSamples = 16;

    /// <summary>Four conv blocks each halve the image; below this side droplet-cnn has no pixels left for the head.</summary>
    private const int MinimumDropletSide = 16;

    /// <summary>The architectures <see cref="CreateForInput"/> builds for a user's data, whatever its input shape.</summary>
    public static readonly IReadOnlyList<string> UserDataArchitectures = [WindowCnn, ImageCnn, SwingCnn, DropletCnn, .. GolfFamilies, .. PaperImageModels];

    /// <summary>
    /// Builds <paramref name="architecture"/> for inputs of <paramref name="inputShape"/> (one example, no batch
    /// dimension). The fixed-shape catalogue models are accepted when the shape is theirs.
    /// </summary>
    public static BlockSequence CreateForInput(string architecture, int classCount, IReadOnlyList<int> inputShape, int seed = 0)
    {
        if (classCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "a classifier needs at least 2 classes");
        }

        var random = new Random(seed);
        switch (architecture)
        {
            case WindowCnn when inputShape is [var channels, var samples] && channels >= 1 && samples >= MinimumWindowSamples:
                return new BlockSequence(WindowCnn, classCount, false, inputShape,
                    ModelBlock.ConvPool1d("conv1", channels, 16, 7, random),
                    ModelBlock.ConvPool1d("conv2", 16, 32, 5, random),
                    ModelBlock.ConvPool1d("conv3", 32, 64, 5, random),
                    ModelBlock.ConvPool1d("conv4", 64, 64, 3, random),
                    ModelBlock.Head("head", 64, false, 32, classCount, random));
            case ImageCnn when inputShape is [1, DropletImaging.Side, DropletImaging.Side]:
                return new BlockSequence(ImageCnn, classCount, false, inputShape,
                    ModelBlock.ConvPool2d("conv1", 1, 8, 3, random),
                    ModelBlock.ConvPool2d("conv2", 8, 16, 3, random),
                    ModelBlock.ConvPool2d("conv3", 16, 32, 3, random),
                    ModelBlock.ConvPool2d("conv4", 32, 64, 3, random),
                    ModelBlock.Head("head", 64, false, 32, classCount, random));
            case GolfVanillaCnn or GolfVgg or GolfInception or GolfResNet
                when inputShape is [var channels, var samples] && channels >= 1 && samples >= 1 << GolfSwingArchitectures.Halvings(architecture):
                return GolfSwingArchitectures.Create(architecture, classCount, channels, samples, random);
            case GolfVanillaCnn or GolfVgg or GolfInception or GolfResNet:
                throw new ModelArtifactException($"{architecture} cannot take inputs of [{string.Join(" × ", inputShape)}]: it needs [channels × samples] with at least {1 << GolfSwingArchitectures.Halvings(architecture)} samples");
            case LeNet5 when IsImage(inputShape, PaperImageArchitectures.LeNetMinimumSide):
                return PaperImageArchitectures.LeNet5(classCount, inputShape, random);
            case ResNet20 or ResNet56 when IsImage(inputShape, PaperImageArchitectures.ResNetMinimumSide):
                return PaperImageArchitectures.CifarResNet(architecture, architecture == ResNet20 ? 3 : 9, classCount, inputShape, random);
            case LeNet5 or ResNet20 or ResNet56:
                var side = architecture == LeNet5 ? PaperImageArchitectures.LeNetMinimumSide : PaperImageArchitectures.ResNetMinimumSide;
                throw new ModelArtifactException($"{architecture} cannot take inputs of [{string.Join(" × ", inputShape)}]: it needs [channels × height × width] images at least {side} × {side}");
            case DropletCnn when inputShape is [1, var height, var width] && height == width && height >= MinimumDropletSide:
                // Global pooling in the head lets the same blocks take any square image: whole 64 × 64 images for
                // pipeline train --data folder, droplet crops for the system's droplet task.
                return WithConcentrationMidRange(DropletCnnFor(classCount, inputShape, random), classCount);
            case SwingCnn or DropletCnn:
                var model = Create(architecture, classCount, seed);
                if (!model.InputShape.SequenceEqual(inputShape))
                {
                    model.Dispose();
                    throw new ModelArtifactException($"{architecture} takes inputs of [{string.Join(" × ", ShapeOf(architecture))}]; the data has [{string.Join(" × ", inputShape)}]");
                }

                return model;
            case WindowCnn or ImageCnn:
                throw new ModelArtifactException($"{architecture} cannot take inputs of [{string.Join(" × ", inputShape)}]: "
                    + (architecture == WindowCnn ? $"it needs [channels × samples] with at least {MinimumWindowSamples} samples" : $"it needs [1 × {DropletImaging.Side} × {DropletImaging.Side}]"));
            default:
                throw new ModelArtifactException($"architecture \"{architecture}\" is unknown for user data (expected one of {string.Join(", ", UserDataArchitectures)})");
        }
    }

    private static bool IsImage(IReadOnlyList<int> inputShape, int minimumSide) =>
        inputShape is [var channels, var height, var width] && channels >= 1 && height >= minimumSide && width >= minimumSide;

    private static int[] ShapeOf(string architecture) =>
        architecture == SwingCnn ? [8, SwingWindowing.WindowSamples] : [1, DropletSegmenter.CropSide, DropletSegmenter.CropSide];

    /// <summary>
    /// Builds <paramref name="architecture"/> for <paramref name="classCount"/> classes with weights drawn from <paramref name="seed"/>,
    /// at its own input shape: [8 × 512] swing windows for the golf families, [3 × 32 × 32] for LeNet-5 and the ResNets.
    /// </summary>
    public static BlockSequence Create(string architecture, int classCount, int seed = 0)
    {
        if (classCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "a classifier needs at least 2 classes");
        }

        var random = new Random(seed);
        var model = architecture switch
        {
            SwingCnn => new BlockSequence(SwingCnn, classCount, false, [8, SwingWindowing.WindowSamples],
                ModelBlock.ConvPool1d("conv1", 8, 16, 7, random),
                ModelBlock.ConvPool1d("conv2", 16, 32, 5, random),
                ModelBlock.ConvPool1d("conv3", 32, 64, 5, random),
                ModelBlock.ConvPool1d("conv4", 64, 64, 3, random),
                ModelBlock.Head("head", 64, false, 32, classCount, random)),
            DropletCnn => DropletCnnFor(classCount, [1, DropletSegmenter.CropSide, DropletSegmenter.CropSide], random),
            GolfVanillaCnn or GolfVgg or GolfInception or GolfResNet => GolfSwingArchitectures.Create(architecture, classCount, 8, SwingWindowing.WindowSamples, random),
            LeNet5 => PaperImageArchitectures.LeNet5(classCount, CifarImageShape, random),
            ResNet20 => PaperImageArchitectures.CifarResNet(ResNet20, 3, classCount, CifarImageShape, random),
            ResNet56 => PaperImageArchitectures.CifarResNet(ResNet56, 9, classCount, CifarImageShape, random),
            _ => throw new ModelArtifactException($"architecture \"{architecture}\" is unknown (expected one of {string.Join(", ", Architectures)})"),
        };
        return WithConcentrationMidRange(model, classCount);
    }

    private static BlockSequence DropletCnnFor(int classCount, IReadOnlyList<int> inputShape, Random random) =>
        new(DropletCnn, classCount, true, inputShape,
            ModelBlock.ConvPool2d("conv1", 1, 8, 3, random),
            ModelBlock.ConvPool2d("conv2", 8, 16, 3, random),
            ModelBlock.ConvPool2d("conv3", 16, 32, 3, random),
            ModelBlock.ConvPool2d("conv4", 32, 64, 3, random),
            ModelBlock.Head("head", 64, true, 32, classCount + 1, random));

    private static BlockSequence WithConcentrationMidRange(BlockSequence model, int classCount)
    {
        if (model.HasConcentrationHead)
        {
            // Start the concentration output mid-range: from 0 its squared error (about 7 at 2.5 % v/v) would
            // outweigh the cross-entropy (about 2.4) and the first epochs would learn concentration, not classes.
            using var noGrad = torch.no_grad();
            using var initial = InitialConcentrationPercent.ToScalar();
            model.Blocks[^1].Layers[^1].GetParameter(1)[classCount].fill_(initial);
        }

        return model;
    }
}

namespace Pipeline.Models.Architecture;

/// <summary>
/// The image models of Zhang &amp; Abdelrahman's pipelined-training experiments, so they can be rerun on any
/// [channels × height × width] images: LeNet-5 and the CIFAR ResNets of He et al. (2016).
/// </summary>
internal static class PaperImageArchitectures
{
    /// <summary>LeNet-5's classic input is 32 × 32; MNIST-sized 28 × 28 images are zero-padded to it by the first convolution
    /// (LeCun et al. centred MNIST's 28 × 28 digits in a 32 × 32 field), and smaller ones would leave the second convolution no 5 × 5 map to pool.</summary>
    public const int LeNetMinimumSide = 28;

    private const int LeNetClassicSide = 32;

    /// <summary>After the stem, two stride-2 stages leave an 8 × 8 image 2 × 2 for the classifier.</summary>
    public const int ResNetMinimumSide = 8;

    /// <summary>
    /// LeNet-5 (LeCun et al. 1998) as used in the paper: conv5 (6) - pool - conv5 (16) - pool - fc120 - fc84 - fc,
    /// ReLU and max-pool in place of the original tanh and subsampling, about 62k parameters for [3 × 32 × 32].
    /// Any larger image is accepted: the second stage's map is average-pooled to the classic 5 × 5 grid before
    /// fc120 (an identity at 32 × 32), so the parameter count does not depend on the image size. An image with a side under
    /// 32 is zero-padded to at least 32 by conv1 (2 pixels on each side at 28 × 28, the same as feeding it centred in 32 × 32).
    /// </summary>
    public static BlockSequence LeNet5(int classCount, IReadOnlyList<int> inputShape, Random random) =>
        new(ModelCatalog.LeNet5, classCount, false, inputShape,
            ModelBlock.LeNetConv2d("conv1", inputShape[0], 6, 5, random, padding: Math.Max(0, (LeNetClassicSide - Math.Min(inputShape[1], inputShape[2]) + 1) / 2)),
            ModelBlock.LeNetConv2d("conv2", 6, 16, 5, random),
            ModelBlock.DenseRelu("fc1", 16 * 5 * 5, 120, random, poolGrid: 5),
            ModelBlock.DenseRelu("fc2", 120, 84, random),
            ModelBlock.Linear("output", 84, classCount, random));

    /// <summary>
    /// CIFAR ResNet-(6n+2): a 3 × 3 stem to 16 channels, three stages of <paramref name="blocksPerStage"/> basic
    /// blocks at 16, 32 and 64 channels (stride 2 at the start of stages 2 and 3, option-A zero-padding shortcuts),
    /// then global average pooling and one linear layer. n = 3 gives ResNet-20 (about 0.27M parameters), n = 9
    /// ResNet-56 (about 0.85M; He et al. count the same without the convolution biases, which batch norm makes redundant but
    /// every <see cref="LearnedLayer"/> has). Every residual block is one splittable block.
    /// </summary>
    public static BlockSequence CifarResNet(string architecture, int blocksPerStage, int classCount, IReadOnlyList<int> inputShape, Random random)
    {
        var blocks = new List<ModelBlock> { ModelBlock.ConvBnRelu2d("stem", inputShape[0], 16, 3, random) };
        var channels = 16;
        for (var stage = 1; stage <= 3; stage++)
        {
            var width = 16 << (stage - 1);
            for (var block = 1; block <= blocksPerStage; block++)
            {
                var stride = stage > 1 && block == 1 ? 2 : 1;
                blocks.Add(ModelBlock.Residual2d($"stage{stage}-block{block}", channels, width, stride, random));
                channels = width;
            }
        }

        blocks.Add(ModelBlock.PooledLinear("head", channels, classCount, random));
        return new BlockSequence(architecture, classCount, false, inputShape, [.. blocks]);
    }
}

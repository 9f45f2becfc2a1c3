namespace Pipeline.Models.Architecture;

/// <summary>
/// The four 1-D CNN families Jiao et al. (2018) compared for golf-swing classification, for [channels × samples]
/// windows of any channel count. All four end in the same pooled head as window-cnn (global average over time,
/// 32 hidden units), so the families differ only in their feature extractor. They are sized to tens of thousands
/// of parameters (about 20k to 40k for [8 × 512] and 3 classes) rather than the paper's widths: the trainer must
/// retrain them on two CPU cores between rounds, and the swing data set (hundreds of windows) does not need more.
/// </summary>
internal static class GolfSwingArchitectures
{
    /// <summary>How many times each family halves the time axis; a window needs at least 2^this samples.</summary>
    public static int Halvings(string architecture) => architecture switch
    {
        ModelCatalog.GolfVanillaCnn => 5,
        ModelCatalog.GolfVgg => 3,
        ModelCatalog.GolfInception => 4,
        ModelCatalog.GolfResNet => 3,
        _ => throw new ArgumentException($"\"{architecture}\" is not a golf-swing family", nameof(architecture)),
    };

    public static BlockSequence Create(string architecture, int classCount, int channels, int samples, Random random) => architecture switch
    {
        ModelCatalog.GolfVanillaCnn => VanillaCnn(classCount, channels, samples, random),
        ModelCatalog.GolfVgg => Vgg(classCount, channels, samples, random),
        ModelCatalog.GolfInception => Inception(classCount, channels, samples, random),
        ModelCatalog.GolfResNet => ResNet(classCount, channels, samples, random),
        _ => throw new ArgumentException($"\"{architecture}\" is not a golf-swing family", nameof(architecture)),
    };

    /// <summary>
    /// Five plain conv/BN/ReLU/pool blocks, channels 16→32→32→64→64, kernels 7, 5, 5, 3, 3 (about 30k parameters).
    /// One block more than window-cnn, so a 512-sample window reaches the head as 16 steps that each see about 110
    /// samples (a fifth of a second at 500 Hz) instead of 32 steps of about 50.
    /// </summary>
    private static BlockSequence VanillaCnn(int classCount, int channels, int samples, Random random) =>
        new(ModelCatalog.GolfVanillaCnn, classCount, false, [channels, samples],
            ModelBlock.ConvPool1d("conv1", channels, 16, 7, random),
            ModelBlock.ConvPool1d("conv2", 16, 32, 5, random),
            ModelBlock.ConvPool1d("conv3", 32, 32, 5, random),
            ModelBlock.ConvPool1d("conv4", 32, 64, 3, random),
            ModelBlock.ConvPool1d("conv5", 64, 64, 3, random),
            ModelBlock.Head("head", 64, false, 32, classCount, random));

    /// <summary>
    /// Three VGG stages of 3-tap convolutions, 2, 2 and 3 convolutions deep, channels doubling 16→32→64 (about 40k
    /// parameters). Stopping at 64 channels keeps the third stage's 3 × 64² taps, already three quarters of the
    /// parameters, the largest part; a fourth stage of 128 channels would add over 120k.
    /// </summary>
    private static BlockSequence Vgg(int classCount, int channels, int samples, Random random) =>
        new(ModelCatalog.GolfVgg, classCount, false, [channels, samples],
            ModelBlock.VggStage1d("stage1", channels, 16, 2, random),
            ModelBlock.VggStage1d("stage2", 16, 32, 2, random),
            ModelBlock.VggStage1d("stage3", 32, 64, 3, random),
            ModelBlock.Head("head", 64, false, 32, classCount, random));

    /// <summary>
    /// A 7-tap conv/pool stem to 16 channels, then three multi-scale blocks (1-, 3-, 5-tap and pool branches) of 8,
    /// 16 and 16 channels per branch, giving 32→64→64 channels (about 20k parameters). The 1-tap branches keep the
    /// blocks cheap, as in GoogLeNet; the stem halves the length first so the branches run on 256 steps, not 512.
    /// </summary>
    private static BlockSequence Inception(int classCount, int channels, int samples, Random random) =>
        new(ModelCatalog.GolfInception, classCount, false, [channels, samples],
            ModelBlock.ConvPool1d("stem", channels, 16, 7, random),
            ModelBlock.Inception1d("inception1", 16, 8, random),
            ModelBlock.Inception1d("inception2", 32, 16, random),
            ModelBlock.Inception1d("inception3", 64, 16, random),
            ModelBlock.Head("head", 64, false, 32, classCount, random));

    /// <summary>
    /// A 7-tap conv/pool stem to 16 channels, then four basic residual blocks 16→16, 16→32 (stride 2), 32→32,
    /// 32→64 (stride 2) with 1-tap projection shortcuts where the shape changes (about 37k parameters): two blocks
    /// per width, the smallest ResNet that still has an identity block at each width.
    /// </summary>
    private static BlockSequence ResNet(int classCount, int channels, int samples, Random random) =>
        new(ModelCatalog.GolfResNet, classCount, false, [channels, samples],
            ModelBlock.ConvPool1d("stem", channels, 16, 7, random),
            ModelBlock.Residual1d("residual1", 16, 16, 1, random),
            ModelBlock.Residual1d("residual2", 16, 32, 2, random),
            ModelBlock.Residual1d("residual3", 32, 32, 1, random),
            ModelBlock.Residual1d("residual4", 32, 64, 2, random),
            ModelBlock.Head("head", 64, false, 32, classCount, random));
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Models.Architecture;

/// <summary>
/// One layer with a weight and a bias, computed functionally from parameters this class owns. It exists
/// (rather than TorchSharp's Conv1d/Linear modules) so a training schedule can <see cref="ReplaceParameter"/>
/// out of place: the stale-weight pipeline swaps in a new tensor per update while a pending backward still
/// holds the old one, which built-in modules do not allow without disposing the old tensor.
/// </summary>
public sealed class LearnedLayer : nn.Module<Tensor, Tensor>
{
    private static readonly string[] Names = ["weight", "bias"];

    // libtorch runs CPU convolutions on oneDNN, which blocks output channels by 16 on AVX-512 (8 on AVX2) and pads a
    // layer with fewer. Its backward-data pass (libtorch 2.10, oneDNN 3.7.1) reads that padding uninitialised, so the
    // input gradient of such a layer turns NaN whenever the recycled memory held a NaN: golf-inception's 8-channel
    // branches sent NaN into the stem at random. A convolution whose input gradient will be computed therefore runs
    // with zero filters added up to a multiple of this, and drops their channels: the same result, nothing padded.
    private const int ConvolutionChannelBlock = 16;

    private readonly LayerKind _kind;
    private readonly int _padding;
    private readonly int _stride;
    private readonly Parameter[] _learned;
    private readonly Tensor? _runningMean;
    private readonly Tensor? _runningVariance;

    private LearnedLayer(string name, LayerKind kind, int padding, int stride, Tensor weight, Tensor bias, bool batchNorm) : base(name)
    {
        _kind = kind;
        _padding = padding;
        _stride = stride;
        var channels = weight.shape[0];
        _learned = [new Parameter(weight), new Parameter(bias)];
        register_parameter(Names[0], _learned[0]);
        register_parameter(Names[1], _learned[1]);
        if (batchNorm)
        {
            _runningMean = zeros(channels);
            _runningVariance = ones(channels);
            register_buffer("running_mean", _runningMean);
            register_buffer("running_var", _runningVariance);
        }
    }

    public LayerKind Kind => _kind;

    public int ParameterCount => _learned.Length;

    public static LearnedLayer Conv1d(int inChannels, int outChannels, int kernel, Random random) => Conv1d("conv", inChannels, outChannels, kernel, random);

    /// <summary>A 1-D convolution padded by kernel/2 on each side, so an odd kernel keeps the length (divided by <paramref name="stride"/>, rounded up).</summary>
    public static LearnedLayer Conv1d(string name, int inChannels, int outChannels, int kernel, Random random, int stride = 1) =>
        new(name, LayerKind.Conv1d, kernel / 2, stride, Uniform(random, inChannels * kernel, outChannels, inChannels, kernel), Uniform(random, inChannels * kernel, outChannels), false);

    public static LearnedLayer Conv2d(int inChannels, int outChannels, int kernel, Random random) => Conv2d("conv", inChannels, outChannels, kernel, random);

    /// <summary>A 2-D convolution padded by <paramref name="padding"/> (kernel/2 when null, which keeps the size for an odd kernel and stride 1).</summary>
    public static LearnedLayer Conv2d(string name, int inChannels, int outChannels, int kernel, Random random, int stride = 1, int? padding = null) =>
        new(name, LayerKind.Conv2d, padding ?? kernel / 2, stride, Uniform(random, inChannels * kernel * kernel, outChannels, inChannels, kernel, kernel), Uniform(random, inChannels * kernel * kernel, outChannels), false);

    public static LearnedLayer BatchNorm(int channels) => BatchNorm("bn", channels);

    public static LearnedLayer BatchNorm(string name, int channels) =>
        new(name, LayerKind.BatchNorm, 0, 1, ones(channels), zeros(channels), true);

    public static LearnedLayer Linear(string name, int inFeatures, int outFeatures, Random random) =>
        new(name, LayerKind.Linear, 0, 1, Uniform(random, inFeatures, outFeatures, inFeatures), Uniform(random, inFeatures, outFeatures), false);

    /// <summary>
    /// How much each training-mode batch moves a batch-norm layer's running statistics (PyTorch's default 0.1).
    /// Re-estimating the statistics after training sets it to 1/(n+1) for the n-th batch, which makes them the
    /// plain average over all batches seen with the final weights.
    /// </summary>
    public double StatisticsMomentum { get; set; } = 0.1;

    /// <summary>Forgets a batch-norm layer's running statistics (mean 0, variance 1); nothing for other layers.</summary>
    public void ResetStatistics()
    {
        using var noGrad = no_grad();
        _runningMean?.zero_();
        _runningVariance?.fill_(TorchScalars.One);
    }

    public Parameter GetParameter(int index) => _learned[index];

    /// <summary>Makes <paramref name="replacement"/> the layer's parameter; the previous tensor is left to whoever still holds it.</summary>
    public void ReplaceParameter(int index, Parameter replacement)
    {
        _learned[index] = replacement;
        ConditionallyRegisterParameter(Names[index], replacement);
    }

    public override Tensor forward(Tensor input) => _kind switch
    {
        LayerKind.Conv1d or LayerKind.Conv2d when input.requires_grad && _learned[0].shape[0] % ConvolutionChannelBlock != 0 => BlockWideConvolution(input),
        LayerKind.Conv1d or LayerKind.Conv2d => Convolution(input, _learned[0], _learned[1]),
        LayerKind.BatchNorm => nn.functional.batch_norm(input, _runningMean!, _runningVariance!, _learned[0], _learned[1], training, StatisticsMomentum, 1e-5),
        _ => nn.functional.linear(input, _learned[0], _learned[1]),
    };

    private Tensor Convolution(Tensor input, Tensor weight, Tensor bias) => _kind == LayerKind.Conv1d
        ? nn.functional.conv1d(input, weight, bias, stride: _stride, padding: _padding)
        : nn.functional.conv2d(input, weight, bias, strides: [_stride, _stride], padding: [_padding, _padding]);

    // See ConvolutionChannelBlock: the weight and bias grow by zero filters (pad lists dimensions from the last, so only
    // the first, the output channels, grows), and the output keeps the layer's own channels.
    private Tensor BlockWideConvolution(Tensor input)
    {
        using var scope = NewDisposeScope();
        var weight = _learned[0];
        var channels = weight.shape[0];
        var added = ConvolutionChannelBlock - (channels % ConvolutionChannelBlock);
        var wideWeight = nn.functional.pad(weight, [.. new long[2 * ((int)weight.dim() - 1)], 0, added]);
        var wideBias = nn.functional.pad(_learned[1], [0, added]);
        return Convolution(input, wideWeight, wideBias).narrow(1, 0, channels).MoveToOuterDisposeScope();
    }

    // PyTorch's default initialisation (uniform in ±1/sqrt(fan_in)), drawn from a seeded Random so two
    // schedules built with the same seed start from identical weights regardless of other threads' torch RNG use.
    private static Tensor Uniform(Random random, int fanIn, params long[] shape)
    {
        var bound = 1.0 / Math.Sqrt(fanIn);
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
        }

        return tensor(values, shape);
    }
}

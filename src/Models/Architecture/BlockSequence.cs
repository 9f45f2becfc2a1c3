using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Models.Architecture;

/// <summary>
/// A model as an ordered sequence of named blocks, so a pipeline register can sit at any block boundary.
/// The output is [B × <see cref="ClassCount"/>] class logits, plus one last column holding the concentration
/// (% v/v) when <see cref="HasConcentrationHead"/>.
/// </summary>
public sealed class BlockSequence : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModelBlock[] _blocks;

    public BlockSequence(string architecture, int classCount, bool hasConcentrationHead, IReadOnlyList<int> inputShape, params ModelBlock[] blocks)
        : base(architecture)
    {
        Architecture = architecture;
        ClassCount = classCount;
        HasConcentrationHead = hasConcentrationHead;
        InputShape = [.. inputShape];
        _blocks = blocks;
        foreach (var block in blocks)
        {
            register_module(block.GetName(), block);
        }
    }

    public string Architecture { get; }

    public int ClassCount { get; }

    public bool HasConcentrationHead { get; }

    /// <summary>One example's input shape, without the batch dimension.</summary>
    public IReadOnlyList<int> InputShape { get; }

    public IReadOnlyList<ModelBlock> Blocks => _blocks;

    /// <summary>Every trainable parameter of blocks [<paramref name="from"/>, <paramref name="to"/>), in a fixed order.</summary>
    public IReadOnlyList<ParameterSlot> ParameterSlots(int from, int to) =>
        [.. _blocks[from..to].SelectMany(b => b.Layers).SelectMany(l => Enumerable.Range(0, l.ParameterCount).Select(i => new ParameterSlot(l, i)))];

    public override Tensor forward(Tensor input, Tensor auxiliary) => ForwardRange(0, _blocks.Length, input, auxiliary);

    /// <summary>Runs blocks [<paramref name="from"/>, <paramref name="to"/>): one pipeline stage.</summary>
    public Tensor ForwardRange(int from, int to, Tensor input, Tensor auxiliary)
    {
        var x = input;
        for (var i = from; i < to; i++)
        {
            var next = _blocks[i].forward(x, auxiliary);
            if (!ReferenceEquals(x, input))
            {
                x.Dispose();
            }

            x = next;
        }

        return x;
    }
}

using TorchSharp;

namespace Pipeline.Models;

/// <summary>
/// Scalars that live as long as the process, for every TorchSharp call that takes one. A Scalar made implicitly from
/// a number for one call (an operator's or <c>add</c>'s default alpha of 1, <c>x * 0.5f</c>, <c>fill_(1)</c>) becomes
/// unreachable as soon as its handle is passed to libtorch, and its finalizer can free it while libtorch still reads
/// it: seen as "Expected false to be true ... toFloat" from <c>add</c> in training threads. So code here never converts
/// a number to a Scalar in a call: it passes one of these, or a Scalar it holds in a field or a using variable.
/// </summary>
public static class TorchScalars
{
    public static readonly Scalar One = 1.0.ToScalar();
}

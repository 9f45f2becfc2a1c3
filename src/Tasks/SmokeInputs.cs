using Pipeline.Protocol;

namespace Pipeline.Tasks;

/// <summary>
/// The recorded inputs the edge's smoke check feeds a new model, shipped as resources of this assembly in the devices' own wire
/// formats (docs/PROTOCOL.md): one raw swing window of <see cref="Swing.SwingWindowing.WindowSamples"/> motion samples
/// around an impact (<c>Swing/SmokeInputs/swing-window.motion</c>), and one microscope frame with droplets (<c>Droplet/SmokeInputs/droplet-frame.frame</c>).
/// Both were recorded from the simulators once; a recording keeps the check the same whatever the simulators become.
/// </summary>
internal static class SmokeInputs
{
    private static readonly Lazy<MotionBatch> Swing = new(() => Read("swing-window.motion", MotionBatchCodec.Decode));
    private static readonly Lazy<MicroscopyFrame> Droplet = new(() => Read("droplet-frame.frame", MicroscopyFrameCodec.Decode));

    public static MotionBatch SwingWindow => Swing.Value;

    public static MicroscopyFrame DropletFrame => Droplet.Value;

    private static T Read<T>(string name, DecodeFunction<T> decode)
        where T : class
    {
        using var stream = typeof(SmokeInputs).Assembly.GetManifestResourceStream($"SmokeInputs/{name}")
            ?? throw new InvalidOperationException($"the smoke-check input {name} is not embedded in {typeof(SmokeInputs).Assembly.GetName().Name}");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        var decoded = decode(bytes.ToArray());
        return decoded.Value ?? throw new InvalidOperationException($"the smoke-check input {name} does not decode: {decoded.Error?.Message}");
    }

    private delegate DecodeResult<T> DecodeFunction<T>(ReadOnlySpan<byte> payload)
        where T : class;
}

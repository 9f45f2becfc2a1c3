using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Pipeline.Protocol;

/// <summary>
/// Motion samples as little-endian f32, the layout both the wire format and the embedded store's records use: one
/// block copy on a little-endian machine, where a value-by-value loop was the larger part of encoding a batch.
/// </summary>
public static class LittleEndianSamples
{
    public static void Write(Span<byte> destination, ReadOnlySpan<float> samples)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(samples).CopyTo(destination);
            return;
        }

        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], samples[i]);
        }
    }

    public static void Read(ReadOnlySpan<byte> source, Span<float> samples)
    {
        if (BitConverter.IsLittleEndian)
        {
            source[..(samples.Length * 4)].CopyTo(MemoryMarshal.AsBytes(samples));
            return;
        }

        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
        }
    }
}

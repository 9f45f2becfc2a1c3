using Pipeline.Protocol;

namespace Pipeline.Storage.Embedded;

/// <summary>What the embedded store refuses to write: anything its record format cannot hold faithfully.</summary>
internal static class StoreInputRules
{
    public static void CheckDevice(string deviceId)
    {
        if (!Identifiers.IsValid(deviceId))
        {
            throw new ArgumentException($"device id \"{deviceId}\" is not a valid identifier ({Identifiers.Rule})", nameof(deviceId));
        }
    }

    public static void Check(MotionBatch batch)
    {
        CheckDevice(batch.DeviceId);
        if (batch.Samples.Length == 0 || batch.Samples.Length % MotionChannels.Count != 0 || batch.SampleCount > ushort.MaxValue)
        {
            throw new ArgumentException($"motion batch {batch.DeviceId}/{batch.StreamId}/{batch.Sequence} holds {batch.Samples.Length} values; it needs 1..{ushort.MaxValue} whole samples of {MotionChannels.Count}", nameof(batch));
        }

        if (!float.IsFinite(batch.SampleRateHz) || batch.SampleRateHz <= 0)
        {
            throw new ArgumentException($"motion batch {batch.DeviceId}/{batch.StreamId}/{batch.Sequence} has sample rate {batch.SampleRateHz}", nameof(batch));
        }
    }

    public static void Check(MicroscopyFrame frame)
    {
        CheckDevice(frame.DeviceId);
        if (frame.Width is < 1 or > ushort.MaxValue || frame.Height is < 1 or > ushort.MaxValue || !PixelFormats.IsKnown((byte)frame.Format)
            || frame.Pixels.Length != (long)frame.Width * frame.Height * frame.Format.BytesPerPixel())
        {
            throw new ArgumentException($"frame {frame.DeviceId}/{frame.StreamId}/{frame.Sequence}: {frame.Width}x{frame.Height} {frame.Format} does not match {frame.Pixels.Length} pixel bytes", nameof(frame));
        }

        if (frame.Label is { } label && !Identifiers.IsValid(label.Voc))
        {
            throw new ArgumentException($"frame {frame.DeviceId}/{frame.StreamId}/{frame.Sequence}: label VOC \"{label.Voc}\" is not a valid identifier", nameof(frame));
        }
    }
}

using Pipeline.Protocol;

namespace Pipeline.Storage.Shared;

/// <summary>
/// What every store refuses, with an <see cref="InvalidTelemetryException"/> that names the problem: ids and record kinds that
/// are no identifiers (they become folder and file names and tags), samples and pixels that do not add up, labels the protocol
/// forbids, record payloads that are empty or too large.
/// </summary>
internal static class StoreInputRules
{
    public static void CheckDevice(string deviceId)
    {
        if (!Identifiers.IsValid(deviceId))
        {
            throw new InvalidTelemetryException($"device id \"{deviceId}\" is not a valid identifier ({Identifiers.Rule})");
        }
    }

    public static void CheckKind(string kind)
    {
        if (!Identifiers.IsValid(kind))
        {
            throw new InvalidTelemetryException($"record kind \"{kind}\" is not a valid identifier ({Identifiers.Rule})");
        }
    }

    public static void Check(TelemetryRecord record)
    {
        CheckKind(record.Kind);
        CheckDevice(record.DeviceId);
        if (record.Payload is not { Length: > 0 and <= TelemetryRecord.MaxPayloadBytes })
        {
            throw new InvalidTelemetryException($"record {record.Kind}/{record.DeviceId}/{record.StreamId}/{record.Sequence} has a payload of {record.Payload?.Length ?? 0} bytes; it needs 1..{TelemetryRecord.MaxPayloadBytes}");
        }
    }

    public static void Check(MotionBatch batch)
    {
        CheckDevice(batch.DeviceId);
        if (batch.Samples.Length == 0 || batch.Samples.Length % MotionChannels.Count != 0 || batch.SampleCount > ushort.MaxValue)
        {
            throw new InvalidTelemetryException($"motion batch {batch.DeviceId}/{batch.StreamId}/{batch.Sequence} holds {batch.Samples.Length} values; it needs 1..{ushort.MaxValue} whole samples of {MotionChannels.Count}");
        }

        if (!float.IsFinite(batch.SampleRateHz) || batch.SampleRateHz <= 0)
        {
            throw new InvalidTelemetryException($"motion batch {batch.DeviceId}/{batch.StreamId}/{batch.Sequence} has sample rate {batch.SampleRateHz}");
        }
    }

    public static void Check(MicroscopyFrame frame)
    {
        CheckDevice(frame.DeviceId);
        if (frame.Width is < 1 or > ushort.MaxValue || frame.Height is < 1 or > ushort.MaxValue || !PixelFormats.IsKnown((byte)frame.Format)
            || frame.Pixels.Length != (long)frame.Width * frame.Height * frame.Format.BytesPerPixel())
        {
            throw new InvalidTelemetryException($"frame {frame.DeviceId}/{frame.StreamId}/{frame.Sequence}: {frame.Width}x{frame.Height} {frame.Format} does not match {frame.Pixels.Length} pixel bytes");
        }

        if (frame.Label is { } label && !Identifiers.IsValid(label.Voc))
        {
            throw new InvalidTelemetryException($"frame {frame.DeviceId}/{frame.StreamId}/{frame.Sequence}: label VOC \"{label.Voc}\" is not a valid identifier");
        }
    }

    /// <summary>The protocol's own rules (identifiers, task, times, a finite concentration) are what every store's schema can hold.</summary>
    public static void Check(SessionLabel label)
    {
        try
        {
            // The codec is where the protocol keeps those rules; its refusal of a message is an ArgumentException.
            ControlMessageCodec.Encode(label);
        }
        catch (ArgumentException e)
        {
            throw new InvalidTelemetryException($"session label {label.DeviceId}/{label.SessionId}: {e.Message}", e);
        }
    }
}

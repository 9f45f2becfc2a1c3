namespace Pipeline.Protocol;

/// <summary>
/// Binary encoding of <see cref="MotionBatch"/> (docs/PROTOCOL.md, "Motion batch"):
/// header, device id (u8 length + ASCII), stream id u32, sequence u64, first timestamp i64 (µs since the
/// Unix epoch), sample rate f32 (Hz), sample count u16, channel count u8 (= 8), then count × 8 f32 samples.
/// All numbers little-endian.
/// </summary>
public static class MotionBatchCodec
{
    public const int MaxSamples = 4096;
    public const float MaxSampleRateHz = 100_000f;

    public static int EncodedSize(MotionBatch batch) =>
        WireHeader.Size + 1 + batch.DeviceId.Length + 4 + 8 + 8 + 4 + 2 + 1 + batch.Samples.Length * 4;

    public static byte[] Encode(MotionBatch batch)
    {
        Validate(batch);
        var buffer = new byte[EncodedSize(batch)];
        WireHeader.Write(buffer, MessageType.MotionBatch);
        var offset = WireHeader.Size;
        WireHeader.WriteIdentifier(buffer, ref offset, batch.DeviceId);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(offset), batch.StreamId);
        offset += 4;
        WireHeader.WriteU64(buffer, ref offset, batch.Sequence);
        WireHeader.WriteI64(buffer, ref offset, batch.FirstTimestampMicros);
        WireHeader.WriteF32(buffer, ref offset, batch.SampleRateHz);
        WireHeader.WriteU16(buffer, ref offset, (ushort)batch.SampleCount);
        buffer[offset++] = MotionChannels.Count;
        LittleEndianSamples.Write(buffer.AsSpan(offset), batch.Samples);
        return buffer;
    }

    public static DecodeResult<MotionBatch> Decode(ReadOnlySpan<byte> payload)
    {
        if (WireHeader.Check(payload, MessageType.MotionBatch) is { } headerError)
        {
            return headerError;
        }

        var reader = new SpanReader(payload, WireHeader.Size);
        if (!WireHeader.TryReadIdentifier(ref reader, "device_id", out var deviceId, out var idError))
        {
            return idError!;
        }

        if (!reader.TryReadBytes(4, out var streamBytes)) return reader.TruncatedAt("stream_id");
        var streamId = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(streamBytes);
        if (!reader.TryReadU64(out var sequence)) return reader.TruncatedAt("sequence");
        if (!reader.TryReadI64(out var firstTimestamp)) return reader.TruncatedAt("first_timestamp_us");
        if (!reader.TryReadF32(out var rate)) return reader.TruncatedAt("sample_rate_hz");
        if (!reader.TryReadU16(out var count)) return reader.TruncatedAt("sample_count");
        if (!reader.TryReadByte(out var channels)) return reader.TruncatedAt("channel_count");

        if (firstTimestamp <= 0)
        {
            return DecodeResult<MotionBatch>.Fail(DecodeErrorCode.InvalidValue, $"first_timestamp_us {firstTimestamp} is not after the Unix epoch");
        }

        if (!float.IsFinite(rate) || rate <= 0 || rate > MaxSampleRateHz)
        {
            return DecodeResult<MotionBatch>.Fail(DecodeErrorCode.InvalidValue, $"sample_rate_hz {rate} is outside (0, {MaxSampleRateHz}]");
        }

        if (channels != MotionChannels.Count)
        {
            return DecodeResult<MotionBatch>.Fail(DecodeErrorCode.InvalidValue, $"channel_count {channels} where {MotionChannels.Count} was expected");
        }

        if (count == 0 || count > MaxSamples)
        {
            return DecodeResult<MotionBatch>.Fail(DecodeErrorCode.Oversize, $"sample_count {count} is outside 1..{MaxSamples}");
        }

        var expectedBytes = count * MotionChannels.Count * 4;
        if (reader.Remaining != expectedBytes)
        {
            return DecodeResult<MotionBatch>.Fail(DecodeErrorCode.BadLength, $"sample_count {count} needs {expectedBytes} bytes of samples but {reader.Remaining} follow");
        }

        reader.TryReadBytes(expectedBytes, out var sampleBytes);
        var samples = new float[count * MotionChannels.Count];
        LittleEndianSamples.Read(sampleBytes, samples);
        for (var i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                return DecodeResult<MotionBatch>.Fail(DecodeErrorCode.NotFinite, $"sample {i / MotionChannels.Count} channel {MotionChannels.Names[i % MotionChannels.Count]} is {samples[i]}");
            }
        }

        return DecodeResult<MotionBatch>.Ok(new MotionBatch(deviceId, streamId, sequence, firstTimestamp, rate, samples));
    }

    private static void Validate(MotionBatch batch)
    {
        Identifiers.Require(batch.DeviceId, nameof(batch.DeviceId));
        if (batch.Samples.Length == 0 || batch.Samples.Length % MotionChannels.Count != 0 || batch.SampleCount > MaxSamples)
        {
            throw new ArgumentException($"a motion batch holds 1..{MaxSamples} samples of {MotionChannels.Count} channels; got {batch.Samples.Length} values", nameof(batch));
        }
    }
}

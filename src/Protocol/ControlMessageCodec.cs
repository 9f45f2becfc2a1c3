using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.Protocol;

/// <summary>
/// JSON (UTF-8, camelCase) encoding of the low-volume control messages: session labels, device status,
/// model manifests and predictions. Decoding checks every field after parsing, so a message that parses
/// but says something impossible is refused with the field named.
/// </summary>
public static class ControlMessageCodec
{
    public const int MaxBytes = 64 * 1024;

    public static byte[] Encode(SessionLabel label) => Encode(label, ProtocolJsonContext.Default.SessionLabel, ControlMessageRules.Check);

    public static byte[] Encode(DeviceStatus status) => Encode(status, ProtocolJsonContext.Default.DeviceStatus, ControlMessageRules.Check);

    public static byte[] Encode(ModelManifest manifest) => Encode(manifest, ProtocolJsonContext.Default.ModelManifest, ControlMessageRules.Check);

    public static byte[] Encode(Prediction prediction) => Encode(prediction, ProtocolJsonContext.Default.Prediction, ControlMessageRules.Check);

    public static DecodeResult<SessionLabel> DecodeSessionLabel(ReadOnlySpan<byte> payload) =>
        Decode(payload, ProtocolJsonContext.Default.SessionLabel, ControlMessageRules.Check);

    public static DecodeResult<DeviceStatus> DecodeDeviceStatus(ReadOnlySpan<byte> payload) =>
        Decode(payload, ProtocolJsonContext.Default.DeviceStatus, ControlMessageRules.Check);

    public static DecodeResult<ModelManifest> DecodeModelManifest(ReadOnlySpan<byte> payload) =>
        Decode(payload, ProtocolJsonContext.Default.ModelManifest, ControlMessageRules.Check);

    public static DecodeResult<Prediction> DecodePrediction(ReadOnlySpan<byte> payload) =>
        Decode(payload, ProtocolJsonContext.Default.Prediction, ControlMessageRules.Check);

    private static byte[] Encode<T>(T message, JsonTypeInfo<T> info, Func<T, DecodeError?> check)
    {
        if (check(message) is { } error)
        {
            throw new ArgumentException($"refusing to encode an invalid {typeof(T).Name}: {error.Message}", nameof(message));
        }

        return JsonSerializer.SerializeToUtf8Bytes(message, info);
    }

    private static DecodeResult<T> Decode<T>(ReadOnlySpan<byte> payload, JsonTypeInfo<T> info, Func<T, DecodeError?> check)
        where T : class
    {
        if (payload.Length > MaxBytes)
        {
            return DecodeResult<T>.Fail(DecodeErrorCode.Oversize, $"{typeof(T).Name} is {payload.Length} bytes; the limit is {MaxBytes}");
        }

        T? message;
        try
        {
            message = JsonSerializer.Deserialize(payload, info);
        }
        catch (JsonException e)
        {
            return DecodeResult<T>.Fail(DecodeErrorCode.MalformedJson, $"{typeof(T).Name} is not valid JSON: {e.Message}");
        }

        if (message is null)
        {
            return DecodeResult<T>.Fail(DecodeErrorCode.MalformedJson, $"{typeof(T).Name} is JSON null");
        }

        return check(message) is { } error ? error : DecodeResult<T>.Ok(message);
    }
}

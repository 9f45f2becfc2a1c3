using Pipeline.Ingest.Admission;
using Pipeline.Ingest.Receiving;
using Pipeline.Protocol;
using Pipeline.Tasks;

namespace Pipeline.Ingest.Decoding;

/// <summary>
/// Turns an untrusted MQTT message into typed telemetry or a rejection; never throws for bad input. Labels, device
/// status and predictions are the same for every task; any other stream is the data stream of the registered task that claims it,
/// which decodes and checks it.
/// </summary>
internal sealed class TelemetryDecoder(TelemetryValidator validator, DeviceAdmission admission, TaskRegistry tasks, Microsoft.Extensions.Options.IOptions<IngestOptions> options)
{
    private static readonly string Labels = Topics.StreamName(TelemetryStream.Labels);
    private static readonly string Status = Topics.StreamName(TelemetryStream.Status);
    private static readonly string Predictions = Topics.StreamName(TelemetryStream.Predictions);

    private readonly int _maxPayloadBytes = options.Value.MaxPayloadBytes;

    /// <summary>The outcome for one message: decoded telemetry to store, a device status, or a rejection.</summary>
    public (DecodedTelemetry? Telemetry, DeviceStatus? Status, TelemetryRejection? Rejection) Decode(ReceivedMessage message)
    {
        if (!Topics.TryParseTelemetryTopic(message.Topic, out var site, out var topicDevice, out var stream))
        {
            return (null, null, new TelemetryRejection("UnknownTopic", $"topic \"{message.Topic}\" is not pipeline/v1/telemetry/SITE/DEVICE/STREAM"));
        }

        if (!admission.Admits(site, topicDevice))
        {
            return (null, null, new TelemetryRejection("UnregisteredDevice", $"device \"{topicDevice}\" at site \"{site}\" is not registered (pipeline devices add)"));
        }

        if (message.Payload.Length > _maxPayloadBytes)
        {
            return (null, null, new TelemetryRejection(nameof(DecodeErrorCode.Oversize), $"payload is {message.Payload.Length} bytes; the limit is {_maxPayloadBytes}"));
        }

        if (stream == Labels)
        {
            var decoded = ControlMessageCodec.DecodeSessionLabel(message.Payload);
            if (!decoded.IsSuccess) return Rejected(TelemetryRejection.From(decoded.Error));
            var rejection = DeviceMismatch(decoded.Value.DeviceId, topicDevice) ?? validator.Check(decoded.Value);
            return rejection is null ? (new DecodedTelemetry(message, stream, null, decoded.Value), null, null) : Rejected(rejection);
        }

        if (stream == Status)
        {
            var decoded = ControlMessageCodec.DecodeDeviceStatus(message.Payload);
            if (!decoded.IsSuccess) return Rejected(TelemetryRejection.From(decoded.Error));
            var rejection = DeviceMismatch(decoded.Value.DeviceId, topicDevice);
            return rejection is null ? (null, decoded.Value, null) : Rejected(rejection);
        }

        if (stream == Predictions)
        {
            var decoded = ControlMessageCodec.DecodePrediction(message.Payload);
            if (!decoded.IsSuccess) return Rejected(TelemetryRejection.From(decoded.Error));
            var rejection = DeviceMismatch(decoded.Value.DeviceId, topicDevice) ?? validator.Check(decoded.Value);
            return rejection is null ? (new DecodedTelemetry(message, stream, null, null, decoded.Value), null, null) : Rejected(rejection);
        }

        if (tasks.TryFindByStream(stream, out var task))
        {
            var (data, refusal) = task.Decode(message.Payload);
            if (refusal is not null) return Rejected(new TelemetryRejection(refusal.Code, refusal.Reason));
            var rejection = DeviceMismatch(data!.DeviceId, topicDevice) ?? validator.Check(data);
            return rejection is null ? (new DecodedTelemetry(message, stream, data, null), null, null) : Rejected(rejection);
        }

        return Rejected(new TelemetryRejection("UnknownTopic", $"ingest does not take the \"{stream}\" stream (it takes labels, status, predictions and {string.Join(", ", tasks.All.Select(t => t.Stream))})"));
    }

    private static (DecodedTelemetry?, DeviceStatus?, TelemetryRejection?) Rejected(TelemetryRejection rejection) => (null, null, rejection);

    private static TelemetryRejection? DeviceMismatch(string payloadDevice, string topicDevice) =>
        payloadDevice == topicDevice
            ? null
            : new TelemetryRejection("DeviceMismatch", $"payload says device \"{payloadDevice}\" but it was published on device \"{topicDevice}\"'s topic");
}

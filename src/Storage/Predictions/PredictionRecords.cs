using Pipeline.Protocol;

namespace Pipeline.Storage.Predictions;

/// <summary>
/// How a device's prediction is kept in a store: a <see cref="TelemetryRecord"/> of kind <see cref="Kind"/> whose key is
/// (device, model version as the stream id, input timestamp as the sequence) and whose payload is the prediction's wire
/// payload. A device predicts once per input with a given model, so a redelivered prediction has the same key and is
/// stored once, while the same input predicted by two versions is two records.
/// </summary>
public static class PredictionRecords
{
    public const string Kind = "predictions";

    /// <summary>The record of <paramref name="prediction"/>, already decoded and checked from <paramref name="payload"/>.</summary>
    public static TelemetryRecord From(Prediction prediction, byte[] payload) =>
        new(Kind, prediction.DeviceId, (uint)prediction.ModelVersion, (ulong)prediction.InputTimestampMicros, prediction.InputTimestampMicros, payload);
}

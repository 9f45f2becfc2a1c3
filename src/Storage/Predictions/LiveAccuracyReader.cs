using Pipeline.Protocol;

namespace Pipeline.Storage.Predictions;

/// <summary>
/// Counts live accuracy per task and model version from the predictions a store holds (<see cref="PredictionRecords"/>):
/// a prediction with a true class is labelled, and correct when its predicted class is that class. Versions are never
/// mixed, and a redelivered prediction counts once because the store keeps it once.
/// </summary>
public static class LiveAccuracyReader
{
    /// <summary>
    /// The figures over the predictions of <paramref name="deviceIds"/> whose input timestamps lie in
    /// [<paramref name="fromMicros"/>, <paramref name="toMicros"/>). Each device's predictions are read in one window.
    /// </summary>
    public static async ValueTask<StoredLiveAccuracy> ReadAsync(
        ITelemetryStore store, IEnumerable<string> deviceIds, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<(string Task, int Version), (long Predictions, long Labelled, long Correct)>();
        long unreadable = 0;
        foreach (var device in deviceIds.Distinct(StringComparer.Ordinal))
        {
            foreach (var record in await store.ReadRecordsAsync(PredictionRecords.Kind, device, fromMicros, toMicros, cancellationToken))
            {
                var decoded = ControlMessageCodec.DecodePrediction(record.Payload);
                if (!decoded.IsSuccess)
                {
                    unreadable++;
                    continue;
                }

                var prediction = decoded.Value;
                var (predictions, labelled, correct) = counts.GetValueOrDefault((prediction.Task, prediction.ModelVersion));
                var isLabelled = prediction.TrueClass is not null;
                var isCorrect = isLabelled && string.Equals(prediction.TrueClass, prediction.PredictedClass, StringComparison.Ordinal);
                counts[(prediction.Task, prediction.ModelVersion)] = (predictions + 1, labelled + (isLabelled ? 1 : 0), correct + (isCorrect ? 1 : 0));
            }
        }

        var versions = counts.OrderBy(c => c.Key.Task, StringComparer.Ordinal).ThenBy(c => c.Key.Version)
            .Select(c => new VersionLiveAccuracy(c.Key.Task, c.Key.Version, c.Value.Predictions, c.Value.Labelled, c.Value.Correct))
            .ToList();
        return new StoredLiveAccuracy(versions, unreadable);
    }
}

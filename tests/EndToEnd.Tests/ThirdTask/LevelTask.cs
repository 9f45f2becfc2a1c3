using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.Tasks.Inference;

namespace Pipeline.EndToEnd.Tests.ThirdTask;

/// <summary>
/// Whether a tank is filling or draining, from its level readings: a task registered by the test alone, to prove that
/// a new kind of sensor data needs one folder and one registration. Its readings are stored as generic records; a
/// labelled session's readings, joined in time order, make one window of <see cref="WindowLevels"/> levels,
/// standardised so that the shape, not the tank's fill, tells the classes apart; on a device, the last window of levels
/// read is asked the same way (<see cref="LevelInference"/>).
/// </summary>
internal sealed class LevelTask : LearningTask<LevelReading, IReadOnlyList<LevelReading>>
{
    public const string TaskName = "level";
    public const int WindowLevels = 32;

    /// <summary>Above this the sensor is broken: a tank is at most 100 % full.</summary>
    private const float MaxLevel = 100f;

    public override string Name => TaskName;

    public override string Stream => "level";

    public override string Architecture => "window-cnn";

    public override IReadOnlyList<int> InputShape { get; } = [1, WindowLevels];

    protected override DecodeResult<LevelReading> DecodeItem(ReadOnlySpan<byte> payload) => LevelCodec.Decode(payload);

    protected override TaskRefusal? Check(LevelReading reading) =>
        Array.FindIndex(reading.Levels, level => level is < 0 or > MaxLevel) is var bad and >= 0
            ? new TaskRefusal("OutOfRange", $"level {bad} is {reading.Levels[bad]}, outside 0..{MaxLevel} %")
            : null;

    protected override string DeviceOf(LevelReading reading) => reading.DeviceId;

    protected override IReadOnlyList<(long Micros, string Field)> TimestampsOf(LevelReading reading) => [(reading.TimestampMicros, "timestamp")];

    protected override int SamplesOf(LevelReading reading) => reading.Levels.Length;

    protected override ValueTask<int> WriteAsync(ITelemetryStore store, IReadOnlyList<LevelReading> items, CancellationToken cancellationToken) =>
        store.WriteRecordsAsync([.. items.Select(r => new TelemetryRecord(Stream, r.DeviceId, r.StreamId, r.Sequence, r.TimestampMicros, LevelCodec.Encode(r)))], cancellationToken);

    protected override async ValueTask<IReadOnlyList<LevelReading>> ReadAsync(ITelemetryStore store, SessionLabel label, CancellationToken cancellationToken)
    {
        var records = await store.ReadRecordsAsync(Stream, label.DeviceId, label.StartMicros, label.EndMicros, cancellationToken);
        return [.. records.Select(record => LevelCodec.Decode(record.Payload).Value ?? throw new InvalidDataException($"stored level record {record.Sequence} does not decode"))];
    }

    protected override IEnumerable<TaskExample> Cut(SessionLabel label, IReadOnlyList<LevelReading> readings, Action<string> skip)
    {
        var levels = readings.SelectMany(r => r.Levels).ToArray();
        if (levels.Length < WindowLevels)
        {
            skip($"{label.DeviceId}/{label.SessionId}: {levels.Length} levels, fewer than a window of {WindowLevels}");
            return [];
        }

        return [new TaskExample(Standardised(levels.AsSpan(0, WindowLevels)), 0f, 0f)];
    }

    public override ITaskInference Inference { get; } = new LevelInference();

    public override TaskInput SmokeInput() => new(Standardised(Enumerable.Range(0, WindowLevels).Select(i => 50f + i).ToArray()), 0f);

    /// <summary>The levels less their mean, over their standard deviation: the trend, whatever the fill.</summary>
    internal static float[] Standardised(ReadOnlySpan<float> levels)
    {
        var mean = 0f;
        foreach (var level in levels)
        {
            mean += level / levels.Length;
        }

        var variance = 0f;
        foreach (var level in levels)
        {
            variance += (level - mean) * (level - mean) / levels.Length;
        }

        var scale = 1f / MathF.Sqrt(variance + 1e-6f);
        var result = new float[levels.Length];
        for (var i = 0; i < levels.Length; i++)
        {
            result[i] = (levels[i] - mean) * scale;
        }

        return result;
    }
}

using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Protocol;
using Pipeline.Settings;
using Pipeline.Storage.Shared;
using static Pipeline.Storage.Influx.InfluxLineProtocol;
using static Pipeline.Storage.Influx.InfluxSchema;

namespace Pipeline.Storage.Influx;

/// <summary>
/// <see cref="ITelemetryStore"/> on an InfluxDB 1.x server (docs/STORAGE.md): line protocol to /write at
/// microsecond precision, InfluxQL reads through /query. One point per motion sample, one per frame (its
/// pixels in the content-addressed blob folder, the SHA-256 in the point), one per task-defined record (its payload in
/// the blob folder likewise), one per label.
/// Writes go through <see cref="InfluxIdempotentWriter"/>, shared with the 2.x store: it asks this store, through InfluxQL,
/// which sequence numbers the server already holds in the write's time range.
/// </summary>
internal sealed class InfluxTelemetryStore : ITelemetryStore, IInfluxPointServer
{
    private readonly InfluxOptions _options;
    private readonly InfluxHttpApi _api;
    private readonly BlobStore _blobs;
    private readonly ILogger _logger;
    private readonly InfluxIdempotentWriter _writer;
    private readonly SemaphoreSlim _databaseLock = new(1, 1);
    private bool _databaseReady;

    /// <summary>Creates the store; the database is created on first use, so a server that is down at start-up is not fatal.</summary>
    public InfluxTelemetryStore(InfluxOptions options, ILogger? logger = null)
    {
        CheckedSettingsRegistration.ThrowIfInvalid(options);
        _options = options;
        _api = new InfluxHttpApi(options);
        _blobs = new BlobStore(Path.GetFullPath(options.BlobFolder));
        _logger = logger ?? NullLogger.Instance;
        _writer = new InfluxIdempotentWriter(this, _blobs, typeof(InfluxTelemetryStore));
    }

    public InfluxOptions Options => _options;

    /// <summary>Creates the store and its database now, so a wrong address or refused database fails here.</summary>
    public static async Task<InfluxTelemetryStore> OpenAsync(InfluxOptions options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        await StoreOpening.CheckedAsync(new InfluxTelemetryStore(options, logger), (store, token) => store.EnsureDatabaseAsync(token), cancellationToken);

    public ValueTask<int> WriteMotionAsync(IReadOnlyList<MotionBatch> batches, CancellationToken cancellationToken) =>
        _writer.WriteMotionAsync(batches, cancellationToken);

    public ValueTask<int> WriteFramesAsync(IReadOnlyList<MicroscopyFrame> frames, CancellationToken cancellationToken) =>
        _writer.WriteFramesAsync(frames, cancellationToken);

    public ValueTask<bool> WriteLabelAsync(SessionLabel label, CancellationToken cancellationToken) =>
        _writer.WriteLabelAsync(label, cancellationToken);

    public async ValueTask<IReadOnlyList<SessionLabel>> ReadLabelsAsync(string task, CancellationToken cancellationToken)
    {
        await EnsureDatabaseAsync(cancellationToken);
        var query = $"SELECT * FROM {QuoteIdentifier(Labels)} WHERE {QuoteIdentifier(TaskTag)} = {QuoteString(task)}";
        var labels = new List<SessionLabel>();
        foreach (var series in (await _api.QueryAsync(query, 1, cancellationToken))[0])
        {
            var time = series.Column("time");
            var device = series.Column(DeviceTag);
            var session = series.Column(SessionTag);
            var end = series.Column(EndMicros);
            var player = series.OptionalColumn(Player);
            var shape = series.OptionalColumn(Shape);
            var voc = series.OptionalColumn(Voc);
            var concentration = series.OptionalColumn(Concentration);
            foreach (var row in series.Rows)
            {
                labels.Add(new SessionLabel(
                    Text(row, device), Text(row, session), task, row[time].GetInt64(), row[end].GetInt64(),
                    OptionalText(row, player) is { } p ? new SwingLabel(p, Text(row, shape)) : null,
                    OptionalText(row, voc) is { } v ? new VocLabel(v, (float)row[concentration].GetDouble()) : null));
            }
        }

        return ReadOrder.Sorted(labels);
    }

    public async ValueTask<MotionSeries> ReadMotionAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckDevice(deviceId);
        if (!ClampWindow(ref fromMicros, ref toMicros))
        {
            return MotionSeries.Empty;
        }

        var channels = string.Join(", ", MotionChannels.Names.Select(QuoteIdentifier));
        var rows = new List<(long Time, float[] Values)>();
        foreach (var series in await SelectWindowAsync(channels, Motion, deviceId, "", fromMicros, toMicros, cancellationToken))
        {
            var time = series.Column("time");
            var columns = MotionChannels.Names.Select(series.Column).ToArray();
            foreach (var row in series.Rows)
            {
                var values = new float[MotionChannels.Count];
                for (var c = 0; c < values.Length; c++)
                {
                    values[c] = row[columns[c]].ValueKind == JsonValueKind.Number
                        ? (float)row[columns[c]].GetDouble()
                        : throw new InvalidDataException($"InfluxDB motion point of {deviceId} at {row[time]} lacks channel {MotionChannels.Names[c]}");
                }

                rows.Add((row[time].GetInt64(), values));
            }
        }

        // InfluxDB merges the streams' series by time already; the stable sort keeps that promise explicit.
        return ReadOrder.Sorted(rows);
    }

    public async ValueTask<IReadOnlyList<MicroscopyFrame>> ReadFramesAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckDevice(deviceId);
        if (!ClampWindow(ref fromMicros, ref toMicros))
        {
            return [];
        }

        var frames = new List<MicroscopyFrame>();
        foreach (var series in await SelectWindowAsync("*", Frames, deviceId, "", fromMicros, toMicros, cancellationToken))
        {
            var time = series.Column("time");
            var stream = series.Column(StreamTag);
            var sequence = series.Column(Sequence);
            var width = series.Column(Width);
            var height = series.Column(Height);
            var format = series.Column(Format);
            var blob = series.Column(Blob);
            var label = series.OptionalColumn(Label);
            var concentration = series.OptionalColumn(Concentration);
            var degradation = series.OptionalColumn(Degradation);
            foreach (var row in series.Rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var voc = OptionalText(row, label);
                if (!_blobs.TryGet(Text(row, blob), _logger, $"frame {row[sequence].GetInt64()} of {deviceId}", out var pixels))
                {
                    continue;
                }

                frames.Add(new MicroscopyFrame(
                    deviceId,
                    uint.Parse(Text(row, stream), CultureInfo.InvariantCulture),
                    unchecked((ulong)row[sequence].GetInt64()),
                    row[time].GetInt64(),
                    row[width].GetInt32(),
                    row[height].GetInt32(),
                    (PixelFormat)row[format].GetByte(),
                    voc is null ? null : new FrameLabel(voc, (float)row[concentration].GetDouble()),
                    degradation >= 0 && row[degradation].ValueKind == JsonValueKind.Number ? (float)row[degradation].GetDouble() : null,
                    pixels));
            }
        }

        return ReadOrder.Sorted(frames);
    }

    public ValueTask<int> WriteRecordsAsync(IReadOnlyList<TelemetryRecord> records, CancellationToken cancellationToken) =>
        _writer.WriteRecordsAsync(records, cancellationToken);

    public async ValueTask<IReadOnlyList<TelemetryRecord>> ReadRecordsAsync(string kind, string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckKind(kind);
        StoreInputRules.CheckDevice(deviceId);
        if (!ClampWindow(ref fromMicros, ref toMicros))
        {
            return [];
        }

        var records = new List<TelemetryRecord>();
        var kindCondition = $"AND {QuoteIdentifier(KindTag)} = {QuoteString(kind)} ";
        foreach (var series in await SelectWindowAsync("*", Records, deviceId, kindCondition, fromMicros, toMicros, cancellationToken))
        {
            var time = series.Column("time");
            var stream = series.Column(StreamTag);
            var sequence = series.Column(Sequence);
            var blob = series.Column(Blob);
            foreach (var row in series.Rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var streamId = uint.Parse(Text(row, stream), CultureInfo.InvariantCulture);
                var seq = unchecked((ulong)row[sequence].GetInt64());
                if (_blobs.TryGet(Text(row, blob), _logger, $"{kind} record {streamId}/{seq} of {deviceId}", out var payload))
                {
                    records.Add(new TelemetryRecord(kind, deviceId, streamId, seq, row[time].GetInt64(), payload));
                }
            }
        }

        return ReadOrder.Sorted(records);
    }

    public async ValueTask<StoreCounts> CountAsync(CancellationToken cancellationToken)
    {
        await EnsureDatabaseAsync(cancellationToken);
        var query = string.Join("; ",
            $"SELECT count({QuoteIdentifier(BatchSamples)}), sum({QuoteIdentifier(BatchSamples)}) FROM {QuoteIdentifier(Motion)}",
            $"SELECT count({QuoteIdentifier(Sequence)}) FROM {QuoteIdentifier(Frames)}",
            $"SELECT count({QuoteIdentifier(EndMicros)}) FROM {QuoteIdentifier(Labels)}",
            $"SELECT count({QuoteIdentifier(PayloadBytes)}) FROM {QuoteIdentifier(Records)}");
        var results = await _api.QueryAsync(query, 4, cancellationToken);
        return new StoreCounts(SumColumn(results[0], "count"), SumColumn(results[0], "sum"), SumColumn(results[1], "count"), SumColumn(results[2], "count"), SumColumn(results[3], "count"));
    }

    public ValueTask DisposeAsync() => _writer.CloseAsync(_api.Dispose);

    Task IInfluxPointServer.PrepareWriteAsync(CancellationToken cancellationToken) => EnsureDatabaseAsync(cancellationToken);

    async Task<bool> IInfluxPointServer.LabelExistsAsync(string deviceId, string sessionId, CancellationToken cancellationToken)
    {
        var query = $"SELECT count({QuoteIdentifier(EndMicros)}) FROM {QuoteIdentifier(Labels)} " +
            $"WHERE {QuoteIdentifier(DeviceTag)} = {QuoteString(deviceId)} AND {QuoteIdentifier(SessionTag)} = {QuoteString(sessionId)}";
        var existing = await _api.QueryAsync(query, 1, cancellationToken);
        return SumColumn(existing[0], "count") > 0;
    }

    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        _writer.ThrowIfClosed();
        if (Volatile.Read(ref _databaseReady))
        {
            return;
        }

        await _databaseLock.WaitAsync(cancellationToken);
        try
        {
            if (!_databaseReady)
            {
                // CREATE DATABASE does nothing when the database exists.
                await _api.QueryAsync($"CREATE DATABASE {QuoteIdentifier(_options.Database)}", 1, cancellationToken, withDatabase: false);
                _logger.LogInformation("InfluxDB store on {Url}, database {Database}, blobs in {Blobs}", _options.Url, _options.Database, _options.BlobFolder);
                Volatile.Write(ref _databaseReady, true);
            }
        }
        finally
        {
            _databaseLock.Release();
        }
    }

    async Task<HashSet<(string DeviceId, uint StreamId, ulong Sequence)>> IInfluxPointServer.StoredKeysAsync(
        string measurement, string markField, (string Key, string Value)? tag, IReadOnlyList<(string DeviceId, long Micros)> candidates, CancellationToken cancellationToken)
    {
        var tagCondition = tag is { } t ? $" AND {QuoteIdentifier(t.Key)} = {QuoteString(t.Value)}" : "";
        var spans = candidates.GroupBy(c => c.DeviceId, StringComparer.Ordinal)
            .Select(g => (Device: g.Key, From: g.Min(c => c.Micros), To: g.Max(c => c.Micros)))
            .ToList();
        var keys = new HashSet<(string, uint, ulong)>();
        if (spans.Count == 0)
        {
            return keys;
        }

        var statements = spans.Select(s =>
            $"SELECT {QuoteIdentifier(Sequence)}, {QuoteIdentifier(markField)} FROM {QuoteIdentifier(measurement)} " +
            $"WHERE {QuoteIdentifier(DeviceTag)} = {QuoteString(s.Device)}{tagCondition} AND {QuoteIdentifier(markField)} >= 0 AND {TimeWindow(s.From, s.To + 1)} GROUP BY {QuoteIdentifier(StreamTag)}");
        var results = await _api.QueryAsync(string.Join("; ", statements), spans.Count, cancellationToken);
        for (var i = 0; i < spans.Count; i++)
        {
            foreach (var series in results[i])
            {
                var stream = uint.Parse(series.Tag(StreamTag), CultureInfo.InvariantCulture);
                var sequence = series.Column(Sequence);
                foreach (var row in series.Rows)
                {
                    if (row[sequence].ValueKind == JsonValueKind.Number)
                    {
                        keys.Add((spans[i].Device, stream, unchecked((ulong)row[sequence].GetInt64())));
                    }
                }
            }
        }

        return keys;
    }

    async Task IInfluxPointServer.WritePointsAsync(IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        // influxd takes concurrent writes: up to WriteConcurrency requests go out at once, and the next body is built
        // while earlier ones are posted. This returns (or throws the first failure) only after every request has ended,
        // so nothing outlives the write lock and a completion mark is never sent before all its samples were acknowledged.
        using var slots = new SemaphoreSlim(_options.WriteConcurrency);
        var requests = new List<Task>();
        try
        {
            foreach (var body in RequestBodies(lines, _options.MaxPointsPerWrite))
            {
                await slots.WaitAsync(cancellationToken);
                requests.Add(PostAsync(body, slots, cancellationToken));
            }
        }
        finally
        {
            await Task.WhenAll(requests);
        }
    }

    private async Task PostAsync(string body, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await _api.WriteAsync(body, cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>The series of one device's points in [from, to) of <paramref name="measurement"/>, <paramref name="fields"/> selected, <paramref name="tagCondition"/> ("AND …" and a space, or empty) narrowing them.</summary>
    private async Task<List<InfluxSeries>> SelectWindowAsync(
        string fields, string measurement, string deviceId, string tagCondition, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        await EnsureDatabaseAsync(cancellationToken);
        var query = $"SELECT {fields} FROM {QuoteIdentifier(measurement)} WHERE {QuoteIdentifier(DeviceTag)} = {QuoteString(deviceId)} {tagCondition}AND {TimeWindow(fromMicros, toMicros)}";
        return (await _api.QueryAsync(query, 1, cancellationToken))[0];
    }

    private static string TimeWindow(long fromMicros, long toMicros) =>
        string.Create(CultureInfo.InvariantCulture, $"time >= {fromMicros * 1000} AND time < {toMicros * 1000}");

    private static long SumColumn(List<InfluxSeries> series, string column)
    {
        long total = 0;
        foreach (var s in series)
        {
            var index = s.Column(column);
            foreach (var row in s.Rows)
            {
                total += row[index].ValueKind == JsonValueKind.Number ? row[index].GetInt64() : 0;
            }
        }

        return total;
    }

    private static string Text(JsonElement row, int column) =>
        row[column].GetString() ?? throw new InvalidDataException($"InfluxDB returned no value in column {column} of {row}");

    private static string? OptionalText(JsonElement row, int column) =>
        column >= 0 && row[column].ValueKind == JsonValueKind.String ? row[column].GetString() : null;
}

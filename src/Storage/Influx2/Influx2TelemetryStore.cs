using System.Globalization;
using System.Net;
using InfluxDB.Client;
using InfluxDB.Client.Core.Exceptions;
using InfluxDB.Client.Core.Flux.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Protocol;
using Pipeline.Settings;
using Pipeline.Storage.Shared;
using Pipeline.Storage.Influx;
using static Pipeline.Storage.Influx.InfluxSchema;
using static Pipeline.Storage.Influx2.FluxLiterals;
using WritePrecision = InfluxDB.Client.Api.Domain.WritePrecision;

namespace Pipeline.Storage.Influx2;

/// <summary>
/// <see cref="ITelemetryStore"/> on InfluxDB 2.x (or 1.8+ with its /api/v2 compatibility endpoints) through the official
/// <c>InfluxDB.Client</c>: line protocol to /api/v2/write at microsecond precision, Flux reads through /api/v2/query.
/// The schema and the very lines written are the 1.x store's (<see cref="InfluxTelemetryStore"/> builds them), so data
/// moves between the two and dashboards see the same series. The interface's contract holds as on 1.x:
/// <list type="bullet">
/// <item>Idempotence: a replay produces identical points, and InfluxDB overwrites a point with the same measurement, tag set and time.</item>
/// <item>How many were new: before writing, one Flux query asks which (device, stream, seq) keys already carry their completion
/// field (<c>batch_samples</c> for motion, <c>width</c> for frames) in the write's time span; those are skipped. The server is the
/// only source of truth, so the count survives restarts of either side.</item>
/// <item>Labels: a label is new unless a <c>labels</c> point with the same device and session tags exists at any time.</item>
/// <item>Time order: every read pivots fields into rows, sorts by time in Flux, and sorts stably again here.</item>
/// </list>
/// Writes go through <see cref="InfluxIdempotentWriter"/>, the 1.x store's too; this store answers its questions in Flux.
/// </summary>
internal sealed class Influx2TelemetryStore : ITelemetryStore, IInfluxPointServer
{
    private static readonly string AllTime = $"start: {Time(MinMicros)}, stop: {Time(MaxMicros + 1)}";

    private readonly Influx2Options _options;
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _writes;
    private readonly QueryApi _queries;
    private readonly BlobStore _blobs;
    private readonly ILogger _logger;
    private readonly InfluxIdempotentWriter _writer;

    /// <summary>Creates the store without contacting the server, so a server that is down at start-up is not fatal.</summary>
    public Influx2TelemetryStore(Influx2Options options, ILogger? logger = null)
    {
        CheckedSettingsRegistration.ThrowIfInvalid(options);
        _options = options;
        _client = new InfluxDBClient(new InfluxDBClientOptions(options.Url.AbsoluteUri)
        {
            Token = options.Token,
            Org = options.Org,
            Bucket = options.Bucket,
            Timeout = options.RequestTimeout,
        });
        if (options.Gzip)
        {
            _client.EnableGzip();
        }

        _writes = _client.GetWriteApiAsync();
        _queries = _client.GetQueryApi();
        _blobs = new BlobStore(Path.GetFullPath(options.BlobFolder));
        _logger = logger ?? NullLogger.Instance;
        _writer = new InfluxIdempotentWriter(this, _blobs, typeof(Influx2TelemetryStore));
    }

    public Influx2Options Options => _options;

    /// <summary>Creates the store and checks now that the token can see the bucket, so a wrong address, token, org or bucket fails here.</summary>
    public static async Task<Influx2TelemetryStore> OpenAsync(Influx2Options options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        await StoreOpening.CheckedAsync(new Influx2TelemetryStore(options, logger), (store, token) => store.CheckBucketAsync(token), cancellationToken);

    public ValueTask<int> WriteMotionAsync(IReadOnlyList<MotionBatch> batches, CancellationToken cancellationToken) =>
        _writer.WriteMotionAsync(batches, cancellationToken);

    public ValueTask<int> WriteFramesAsync(IReadOnlyList<MicroscopyFrame> frames, CancellationToken cancellationToken) =>
        _writer.WriteFramesAsync(frames, cancellationToken);

    public ValueTask<bool> WriteLabelAsync(SessionLabel label, CancellationToken cancellationToken) =>
        _writer.WriteLabelAsync(label, cancellationToken);

    public async ValueTask<IReadOnlyList<SessionLabel>> ReadLabelsAsync(string task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        _writer.ThrowIfClosed();
        var query = $"""
            {From()}
              |> range({AllTime})
              |> filter(fn: (r) => r._measurement == {String(Labels)} and r.{TaskTag} == {String(task)})
              |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
              |> group()
              |> sort(columns: ["_time", {String(DeviceTag)}, {String(SessionTag)}])
            """;
        var labels = new List<SessionLabel>();
        foreach (var record in Records(await QueryAsync("label read", query, cancellationToken)))
        {
            var player = OptionalText(record, Player);
            var voc = OptionalText(record, Voc);
            labels.Add(new SessionLabel(
                Text(record, DeviceTag), Text(record, SessionTag), task, Micros(record), Integer(record, EndMicros),
                player is null ? null : new SwingLabel(player, Text(record, Shape)),
                voc is null ? null : new VocLabel(voc, (float)Number(record, Concentration))));
        }

        return ReadOrder.Sorted(labels);
    }

    public async ValueTask<MotionSeries> ReadMotionAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckDevice(deviceId);
        _writer.ThrowIfClosed();
        if (!ClampWindow(ref fromMicros, ref toMicros))
        {
            return MotionSeries.Empty;
        }

        var channels = string.Join(" or ", MotionChannels.Names.Select(name => $"r._field == {String(name)}"));
        var query = WindowQuery(fromMicros, toMicros, $"r._measurement == {String(Motion)} and r.{DeviceTag} == {String(deviceId)}", channels);
        var rows = new List<(long Time, float[] Values)>();
        foreach (var record in Records(await QueryAsync("motion read", query, cancellationToken)))
        {
            var values = new float[MotionChannels.Count];
            for (var c = 0; c < values.Length; c++)
            {
                values[c] = (float)Number(record, MotionChannels.Names[c]);
            }

            rows.Add((Micros(record), values));
        }

        // Flux sorted by time already; the stable sort keeps the promise without trusting the server's sort.
        return ReadOrder.Sorted(rows);
    }

    public async ValueTask<IReadOnlyList<MicroscopyFrame>> ReadFramesAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckDevice(deviceId);
        _writer.ThrowIfClosed();
        if (!ClampWindow(ref fromMicros, ref toMicros))
        {
            return [];
        }

        var query = WindowQuery(fromMicros, toMicros, $"r._measurement == {String(Frames)} and r.{DeviceTag} == {String(deviceId)}");
        var frames = new List<MicroscopyFrame>();
        foreach (var record in Records(await QueryAsync("frame read", query, cancellationToken)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var voc = OptionalText(record, Label);
            if (!_blobs.TryGet(Text(record, Blob), _logger, $"frame {Integer(record, Sequence)} of {deviceId}", out var pixels))
            {
                continue;
            }

            frames.Add(new MicroscopyFrame(
                deviceId,
                StreamOf(record),
                unchecked((ulong)Integer(record, Sequence)),
                Micros(record),
                checked((int)Integer(record, Width)),
                checked((int)Integer(record, Height)),
                (PixelFormat)checked((byte)Integer(record, Format)),
                voc is null ? null : new FrameLabel(voc, (float)Number(record, Concentration)),
                Value(record, Degradation) is null ? null : (float)Number(record, Degradation),
                pixels));
        }

        return ReadOrder.Sorted(frames);
    }

    /// <summary>The points in [from, to) that <paramref name="match"/> (and <paramref name="fields"/>, when given) select, fields pivoted into columns, in time order.</summary>
    private string WindowQuery(long fromMicros, long toMicros, string match, string? fields = null)
    {
        var fieldFilter = fields is null ? "" : $"\n  |> filter(fn: (r) => {fields})";
        return $"""
            {From()}
              |> range(start: {Time(fromMicros)}, stop: {Time(toMicros)})
              |> filter(fn: (r) => {match}){fieldFilter}
              |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
              |> group()
              |> sort(columns: ["_time"])
            """;
    }

    public ValueTask<int> WriteRecordsAsync(IReadOnlyList<TelemetryRecord> records, CancellationToken cancellationToken) =>
        _writer.WriteRecordsAsync(records, cancellationToken);

    public async ValueTask<IReadOnlyList<TelemetryRecord>> ReadRecordsAsync(string kind, string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckKind(kind);
        StoreInputRules.CheckDevice(deviceId);
        _writer.ThrowIfClosed();
        if (!ClampWindow(ref fromMicros, ref toMicros))
        {
            return [];
        }

        var query = WindowQuery(fromMicros, toMicros, $"r._measurement == {String(InfluxSchema.Records)} and r.{DeviceTag} == {String(deviceId)} and r.{KindTag} == {String(kind)}");
        var records = new List<TelemetryRecord>();
        foreach (var record in Records(await QueryAsync("record read", query, cancellationToken)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stream = StreamOf(record);
            var sequence = unchecked((ulong)Integer(record, Sequence));
            if (_blobs.TryGet(Text(record, Blob), _logger, $"{kind} record {stream}/{sequence} of {deviceId}", out var payload))
            {
                records.Add(new TelemetryRecord(kind, deviceId, stream, sequence, Micros(record), payload));
            }
        }

        return ReadOrder.Sorted(records);
    }

    public async ValueTask<StoreCounts> CountAsync(CancellationToken cancellationToken)
    {
        _writer.ThrowIfClosed();
        // One request, five named results; count() and sum() over an empty selection yield no table at all, which reads as 0.
        var query = $"""
            marks = {From()}
              |> range({AllTime})
              |> filter(fn: (r) => r._measurement == {String(Motion)} and r._field == {String(BatchSamples)})
              |> group()
            marks |> count() |> yield(name: "batches")
            marks |> sum() |> yield(name: "samples")
            {From()}
              |> range({AllTime})
              |> filter(fn: (r) => r._measurement == {String(Frames)} and r._field == {String(Sequence)})
              |> group()
              |> count()
              |> yield(name: "frames")
            {From()}
              |> range({AllTime})
              |> filter(fn: (r) => r._measurement == {String(Labels)} and r._field == {String(EndMicros)})
              |> group()
              |> count()
              |> yield(name: "labels")
            {From()}
              |> range({AllTime})
              |> filter(fn: (r) => r._measurement == {String(InfluxSchema.Records)} and r._field == {String(PayloadBytes)})
              |> group()
              |> count()
              |> yield(name: "records")
            """;
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var record in Records(await QueryAsync("count", query, cancellationToken)))
        {
            var result = Text(record, "result");
            totals[result] = totals.GetValueOrDefault(result) + Integer(record, "_value");
        }

        return new StoreCounts(totals.GetValueOrDefault("batches"), totals.GetValueOrDefault("samples"), totals.GetValueOrDefault("frames"), totals.GetValueOrDefault("labels"), totals.GetValueOrDefault("records"));
    }

    public ValueTask DisposeAsync() => _writer.CloseAsync(_client.Dispose);

    Task IInfluxPointServer.PrepareWriteAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    async Task<bool> IInfluxPointServer.LabelExistsAsync(string deviceId, string sessionId, CancellationToken cancellationToken)
    {
        var query = $"""
            {From()}
              |> range({AllTime})
              |> filter(fn: (r) => r._measurement == {String(Labels)} and r.{DeviceTag} == {String(deviceId)} and r.{SessionTag} == {String(sessionId)} and r._field == {String(EndMicros)})
              |> limit(n: 1)
            """;
        return (await QueryAsync("label check", query, cancellationToken)).Any(t => t.Records.Count > 0);
    }

    private async Task CheckBucketAsync(CancellationToken cancellationToken)
    {
        var query = $"buckets() |> filter(fn: (r) => r.name == {String(_options.Bucket)}) |> keep(columns: [\"name\"])";
        if (!(await QueryAsync("bucket check", query, cancellationToken)).Any(t => t.Records.Count > 0))
        {
            throw new InfluxRequestException(
                $"InfluxDB 2.x at {_options.Url} has no bucket \"{_options.Bucket}\" in org \"{_options.Org}\" that this token can read; create it (influx bucket create) or fix {Influx2Options.Section}:Bucket",
                HttpStatusCode.NotFound, null);
        }

        _logger.LogInformation("InfluxDB 2.x store on {Options}", _options.ToString());
    }

    private string From() => $"from(bucket: {String(_options.Bucket)})";

    async Task<HashSet<(string DeviceId, uint StreamId, ulong Sequence)>> IInfluxPointServer.StoredKeysAsync(
        string measurement, string markField, (string Key, string Value)? tag, IReadOnlyList<(string DeviceId, long Micros)> candidates, CancellationToken cancellationToken)
    {
        var keys = new HashSet<(string, uint, ulong)>();
        if (candidates.Count == 0)
        {
            return keys;
        }

        var devices = string.Join(" or ", candidates.Select(c => c.DeviceId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(d => $"r.{DeviceTag} == {String(d)}"));
        var query = $"""
            {From()}
              |> range(start: {Time(candidates.Min(c => c.Micros))}, stop: {Time(candidates.Max(c => c.Micros) + 1)})
              |> filter(fn: (r) => r._measurement == {String(measurement)} and ({devices}){(tag is { } t ? $" and r.{t.Key} == {String(t.Value)}" : "")})
              |> filter(fn: (r) => r._field == {String(Sequence)} or r._field == {String(markField)})
              |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
              |> filter(fn: (r) => exists r.{markField})
              |> keep(columns: [{String(DeviceTag)}, {String(StreamTag)}, {String(Sequence)}])
            """;
        foreach (var record in Records(await QueryAsync("duplicate check", query, cancellationToken)))
        {
            keys.Add((Text(record, DeviceTag), StreamOf(record), unchecked((ulong)Integer(record, Sequence))));
        }

        return keys;
    }

    async Task IInfluxPointServer.WritePointsAsync(IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        foreach (var body in InfluxLineProtocol.RequestBodies(lines, _options.MaxPointsPerWrite))
        {
            await WriteAsync(body, cancellationToken);
        }
    }

    /// <summary>Posts one body of line protocol (each line ending in '\n', exactly the 1.x store's body); the client sends it unchanged.</summary>
    private async Task WriteAsync(string body, CancellationToken cancellationToken) =>
        await CallAsync("write", async token =>
        {
            await _writes.WriteRecordAsync(body, WritePrecision.Us, _options.Bucket, _options.Org, token);
            return true;
        }, null, cancellationToken);

    private Task<List<FluxTable>> QueryAsync(string operation, string flux, CancellationToken cancellationToken) =>
        CallAsync(operation, token => _queries.QueryAsync(flux, _options.Org, token), flux, cancellationToken);

    /// <summary>Runs one client call under <see cref="Influx2Options.RequestTimeout"/> and turns every failure into an <see cref="InfluxRequestException"/> naming it.</summary>
    private async Task<T> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, string? flux, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            return await call(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InfluxRequestException($"{Where(operation)} did not answer within {_options.RequestTimeout.TotalSeconds:0.#} s", null, null);
        }
        catch (HttpException e) when (e.Status == 0)
        {
            throw new InfluxRequestException($"{Where(operation)} is unreachable: {Redact(e.Message)}", null, null, e);
        }
        catch (HttpException e)
        {
            var status = (HttpStatusCode)e.Status;
            var retry = e.RetryAfter is { } seconds ? $"; the server asks to retry after {seconds} s" : "";
            var hint = status == HttpStatusCode.Unauthorized ? " (the token is wrong, expired or lacks permission on the bucket; its value is not shown)" : "";
            var query = flux is null ? "" : $"; query: {Clip(flux)}";
            throw new InfluxRequestException($"{Where(operation)} failed with HTTP {e.Status} {status}: {Redact(e.Message)}{hint}{retry}{query}", status, Redact(e.Message), e)
            {
                RetryAfter = e.RetryAfter is { } s ? TimeSpan.FromSeconds(s) : null,
            };
        }
        catch (InfluxException e)
        {
            // An error inside a Flux answer (a failing query mid-stream) or an answer that is not annotated CSV.
            var query = flux is null ? "" : $"; query: {Clip(flux)}";
            throw new InfluxRequestException($"{Where(operation)} failed: {Redact(e.Message)}{query}", HttpStatusCode.OK, Redact(e.Message), e);
        }
        catch (HttpRequestException e)
        {
            throw new InfluxRequestException($"{Where(operation)} is unreachable: {Redact(e.Message)}", null, null, e);
        }
    }

    private string Where(string operation) => $"InfluxDB 2.x {operation} (org \"{_options.Org}\", bucket \"{_options.Bucket}\") at {_options.Url}";

    /// <summary>A server may echo what it was sent; the token never reaches a message or a log.</summary>
    private string Redact(string text) => text.Replace(_options.Token, "(token)", StringComparison.Ordinal);

    private static string Clip(string text) => text.Length <= 500 ? text : string.Concat(text.AsSpan(0, 500), "…");

    private static IEnumerable<FluxRecord> Records(List<FluxTable> tables) => tables.SelectMany(t => t.Records);

    private static long Micros(FluxRecord record) =>
        record.GetTime() is { } time ? time.ToUnixTimeTicks() / 10 : throw new InvalidDataException($"InfluxDB 2.x returned a row without _time: {Describe(record)}");

    private static uint StreamOf(FluxRecord record) =>
        uint.TryParse(Text(record, StreamTag), NumberStyles.None, CultureInfo.InvariantCulture, out var stream)
            ? stream
            : throw new InvalidDataException($"InfluxDB 2.x returned a stream tag that is not a stream id: {Describe(record)}");

    private static string Text(FluxRecord record, string column) =>
        Value(record, column) as string ?? throw new InvalidDataException($"InfluxDB 2.x returned no text in column \"{column}\": {Describe(record)}");

    private static string? OptionalText(FluxRecord record, string column) => Value(record, column) as string;

    private static long Integer(FluxRecord record, string column) => Value(record, column) switch
    {
        long value => value,
        ulong value => unchecked((long)value),
        _ => throw new InvalidDataException($"InfluxDB 2.x returned no integer in column \"{column}\": {Describe(record)}"),
    };

    private static double Number(FluxRecord record, string column) => Value(record, column) switch
    {
        double value => value,
        long value => value,
        _ => throw new InvalidDataException($"InfluxDB 2.x returned no number in column \"{column}\": {Describe(record)}"),
    };

    /// <summary>The row's value in the column, or null when the column is missing (a field never written in the selection) or empty.</summary>
    private static object? Value(FluxRecord record, string column) => record.Values.TryGetValue(column, out var value) ? value : null;

    private static string Describe(FluxRecord record) =>
        Clip(string.Join(", ", record.Values.Where(v => !v.Key.StartsWith("_st", StringComparison.Ordinal)).Select(v => $"{v.Key}={v.Value}")));
}

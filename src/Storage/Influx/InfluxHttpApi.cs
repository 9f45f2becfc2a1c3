using System.Net;
using System.Text;
using System.Text.Json;

namespace Pipeline.Storage.Influx;

/// <summary>
/// InfluxDB 1.x's HTTP API: line protocol to /write, InfluxQL to /query (answers streamed in chunks and
/// parsed with System.Text.Json). Every failure becomes an <see cref="InfluxRequestException"/> naming the
/// operation, the status and the server's own error text.
/// </summary>
internal sealed class InfluxHttpApi : IDisposable
{
    private const int MaxErrorTextLength = 500;

    private readonly HttpClient _http;
    private readonly InfluxOptions _options;

    public InfluxHttpApi(InfluxOptions options)
    {
        _options = options;
        var baseAddress = options.Url.AbsoluteUri.EndsWith('/') ? options.Url : new Uri(options.Url.AbsoluteUri + "/");

        // Timeouts are applied per request below, so they can be told apart from the caller's cancellation.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Posts line protocol (timestamps in microseconds); returns once influxd has it in its write-ahead log.</summary>
    public async Task WriteAsync(string lines, CancellationToken cancellationToken)
    {
        var uri = $"write?db={Uri.EscapeDataString(_options.Database)}&precision=u";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(lines, Encoding.UTF8, "text/plain"),
        }, "write", cancellationToken);
    }

    /// <summary>Runs InfluxQL statements (separated by ';'); returns each statement's series, in statement order.</summary>
    public async Task<List<InfluxSeries>[]> QueryAsync(string influxQl, int statements, CancellationToken cancellationToken, bool withDatabase = true)
    {
        var uri = $"query?epoch=u&chunked=true&chunk_size={_options.QueryChunkSize}" + (withDatabase ? $"&db={Uri.EscapeDataString(_options.Database)}" : "");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new FormUrlEncodedContent([new("q", influxQl)]),
        }, "query", cancellationToken, HttpCompletionOption.ResponseHeadersRead);

        var results = new List<InfluxSeries>[statements];
        for (var i = 0; i < statements; i++)
        {
            results[i] = [];
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var reader = new StreamReader(body, Encoding.UTF8);
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    ReadChunk(line, influxQl, results);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InfluxRequestException($"InfluxDB query at {_options.Url} did not finish within {_options.RequestTimeout.TotalSeconds:0.#} s: {Clip(influxQl)}", null, null);
        }
        catch (IOException e)
        {
            throw new InfluxRequestException($"InfluxDB query at {_options.Url} broke off mid-answer: {e.Message}", null, null, e);
        }

        return results;
    }

    public void Dispose() => _http.Dispose();

    private static void ReadChunk(string chunk, string influxQl, List<InfluxSeries>[] results)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(chunk);
        }
        catch (JsonException e)
        {
            throw new InfluxRequestException($"InfluxDB answered a query with something that is not JSON ({e.Message}): {Clip(chunk)}", HttpStatusCode.OK, null, e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InfluxRequestException($"InfluxDB answered a query with unexpected JSON: {Clip(chunk)}", HttpStatusCode.OK, null);
            }

            if (root.TryGetProperty("error", out var topError))
            {
                throw new InfluxRequestException($"InfluxDB refused the query: {topError}; query: {Clip(influxQl)}", HttpStatusCode.OK, topError.ToString());
            }

            if (!root.TryGetProperty("results", out var resultList) || resultList.ValueKind != JsonValueKind.Array)
            {
                return;
            }

            foreach (var result in resultList.EnumerateArray())
            {
                var statement = result.TryGetProperty("statement_id", out var id) && id.TryGetInt32(out var n) ? n : 0;
                if (result.TryGetProperty("error", out var error))
                {
                    throw new InfluxRequestException($"InfluxDB refused statement {statement}: {error}; query: {Clip(influxQl)}", HttpStatusCode.OK, error.ToString());
                }

                if (statement < 0 || statement >= results.Length)
                {
                    throw new InfluxRequestException($"InfluxDB answered statement {statement} of a query with {results.Length}: {Clip(influxQl)}", HttpStatusCode.OK, null);
                }

                if (result.TryGetProperty("series", out var seriesList) && seriesList.ValueKind == JsonValueKind.Array)
                {
                    foreach (var series in seriesList.EnumerateArray())
                    {
                        results[statement].Add(ReadSeries(series));
                    }
                }
            }
        }
    }

    private static InfluxSeries ReadSeries(JsonElement series)
    {
        var name = series.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (series.TryGetProperty("tags", out var tagObject) && tagObject.ValueKind == JsonValueKind.Object)
        {
            foreach (var tag in tagObject.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.GetString() ?? "";
            }
        }

        var columns = series.TryGetProperty("columns", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
            : [];

        // Cloned so the rows outlive the chunk's document.
        var values = series.TryGetProperty("values", out var v) ? v.Clone() : default;
        return new InfluxSeries(name, tags, columns, values);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, string operation, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        using var message = request();
        try
        {
            response = await _http.SendAsync(message, completion, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InfluxRequestException($"InfluxDB {operation} at {_options.Url} did not answer within {_options.RequestTimeout.TotalSeconds:0.#} s", null, null);
        }
        catch (HttpRequestException e)
        {
            throw new InfluxRequestException($"InfluxDB at {_options.Url} is unreachable for {operation}: {e.Message}", null, null, e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await ReadErrorTextAsync(response, cancellationToken);
            var serverError = ServerErrorOf(text);
            throw new InfluxRequestException(
                $"InfluxDB {operation} to database \"{_options.Database}\" at {_options.Url} failed with HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {serverError ?? Clip(text)}",
                response.StatusCode, serverError);
        }
    }

    private static async Task<string> ReadErrorTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return $"(the error body could not be read: {e.Message})";
        }
    }

    private static string? ServerErrorOf(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                ? Clip(error.ToString())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Clip(string text) => text.Length <= MaxErrorTextLength ? text : string.Concat(text.AsSpan(0, MaxErrorTextLength), "…");
}

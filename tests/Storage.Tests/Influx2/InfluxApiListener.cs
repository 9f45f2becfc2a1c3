using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Storage.Tests.Influx2;

/// <summary>
/// A real HTTP server on 127.0.0.1 that stands in for InfluxDB: it records every request exactly as the client sent it
/// and answers what the test scripts (by default 204 to writes and an empty annotated-CSV table to Flux queries, as
/// InfluxDB 2.x does). No part of the client library is replaced; only the server is.
/// </summary>
internal sealed class InfluxApiListener : IAsyncDisposable
{
    /// <summary>What InfluxDB 2.x sends for a Flux query that selects nothing.</summary>
    public const string EmptyCsv = "\r\n";

    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Task _loop;

    public InfluxApiListener()
    {
        (_listener, Url) = StartOnFreePort();
        _loop = Task.Run(() => ServeAsync(_stop.Token));
    }

    public Uri Url { get; }

    /// <summary>Decides each answer; the default accepts writes and finds nothing.</summary>
    public Func<RecordedRequest, ScriptedAnswer> Answer { get; set; } = request =>
        request.Path == "/api/v2/write" ? ScriptedAnswer.NoContent : ScriptedAnswer.Csv(EmptyCsv);

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public IReadOnlyList<RecordedRequest> Writes => [.. _requests.Where(r => r.Path == "/api/v2/write")];

    public IReadOnlyList<RecordedRequest> Queries => [.. _requests.Where(r => r.Path == "/api/v2/query")];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        _stop.Dispose();
    }

    private static (HttpListener Listener, Uri Url) StartOnFreePort()
    {
        // HttpListener cannot bind port 0; take a port the OS just handed out, and try again if another process grabbed it meanwhile.
        for (var attempt = 0; ; attempt++)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var url = new Uri($"http://127.0.0.1:{port}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(url.AbsoluteUri);
            try
            {
                listener.Start();
                return (listener, url);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                listener.Close();
            }
        }
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            await AnswerAsync(context, cancellationToken);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        using var raw = new MemoryStream();
        await request.InputStream.CopyToAsync(raw, cancellationToken);
        var bytes = raw.ToArray();
        var gzip = string.Equals(request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase);
        var body = Encoding.UTF8.GetString(gzip ? Gunzip(bytes) : bytes);
        var query = request.QueryString.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => request.QueryString[k] ?? "", StringComparer.Ordinal);
        var headers = request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!.ToLowerInvariant(), k => request.Headers[k] ?? "", StringComparer.Ordinal);
        var recorded = new RecordedRequest(request.HttpMethod, request.Url?.AbsolutePath ?? "", query, headers, bytes, body);
        _requests.Enqueue(recorded);

        var answer = Answer(recorded);
        var response = context.Response;
        response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            response.Headers[name] = value;
        }

        if (answer.Status != 204)
        {
            response.ContentType = answer.ContentType;
            var content = Encoding.UTF8.GetBytes(answer.Body);
            response.ContentLength64 = content.Length;
            await response.OutputStream.WriteAsync(content, cancellationToken);
        }

        response.Close();
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}

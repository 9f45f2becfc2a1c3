using System.Text.Json;

namespace Pipeline.Storage.Tests.Influx2;

/// <summary>One HTTP request as the listener received it; <see cref="Body"/> is decompressed when it came gzip-encoded.</summary>
internal sealed record RecordedRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    byte[] RawBody,
    string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;

    /// <summary>The Flux text of a /api/v2/query request (its JSON body's "query").</summary>
    public string FluxQuery
    {
        get
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.GetProperty("query").GetString() ?? "";
        }
    }
}

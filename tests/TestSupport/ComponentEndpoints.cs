using System.Net;
using System.Text.Json;

namespace Pipeline.TestSupport;

/// <summary>
/// A client for a component's HTTP listener (Http:Port): <c>/alive</c>, <c>/health</c> with its JSON body, and the
/// Prometheus text of <c>/metrics</c>. A listener not (yet) up answers null rather than throwing, for polling.
/// </summary>
public sealed class ComponentEndpoints(int port) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(15) };

    public int Port => port;

    /// <summary>The status of GET <paramref name="path"/>, or null when nothing answers.</summary>
    public async Task<HttpStatusCode?> StatusAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>GET /health: its status code and each check's status and description, or null when nothing answers.</summary>
    public async Task<HealthAnswer?> HealthAsync()
    {
        try
        {
            using var response = await _http.GetAsync("health");
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var checks = body.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
                c => c.GetProperty("name").GetString()!,
                c => (Status: c.GetProperty("status").GetString()!, Description: c.GetProperty("description").GetString()!),
                StringComparer.Ordinal);
            return new HealthAnswer(response.StatusCode, body.RootElement.GetProperty("status").GetString()!, checks);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>GET /metrics, or null when nothing answers.</summary>
    public async Task<string?> MetricsAsync()
    {
        try
        {
            return await _http.GetStringAsync("metrics");
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>What /health answered.</summary>
public sealed record HealthAnswer(HttpStatusCode Code, string Status, IReadOnlyDictionary<string, (string Status, string Description)> Checks)
{
    public bool IsHealthy(string check) => Checks.TryGetValue(check, out var c) && c.Status == "Healthy";

    public override string ToString() =>
        $"{(int)Code} {Status}: {string.Join("; ", Checks.Select(c => $"{c.Key} {c.Value.Status} ({c.Value.Description})"))}";
}

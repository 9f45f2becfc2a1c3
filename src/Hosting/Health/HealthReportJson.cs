using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.Hosting.Health;

/// <summary>
/// The body of <c>/health</c>: <c>{"status":"Unhealthy","checks":[{"name":"broker","status":"Unhealthy","description":"…"}]}</c>,
/// each check with its own status and what it found, so a person reading a failed probe sees which dependency is down.
/// </summary>
internal static class HealthReportJson
{
    public static async Task WriteAsync(HttpResponse response, HealthReport report, CancellationToken cancellationToken)
    {
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description ?? entry.Exception?.Message ?? "");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
    }
}

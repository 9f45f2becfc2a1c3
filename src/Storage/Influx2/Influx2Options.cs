using Microsoft.Extensions.Configuration;
using Pipeline.Settings;

namespace Pipeline.Storage.Influx2;

/// <summary>
/// Where the InfluxDB 2.x backend writes: the server, the API token, the organisation and bucket, and the folder of
/// frame pixels. The token is a secret: it is never logged, never put in an error message, and not shown by <see cref="ToString"/>.
/// </summary>
public sealed class Influx2Options : ICheckedSettings
{
    public const string Section = "Influx2";

    static string ICheckedSettings.Section => Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);

    /// <summary>Base address of the server's HTTP API (its /api/v2 endpoints).</summary>
    public Uri Url { get; set; } = new("http://127.0.0.1:8086");

    /// <summary>API token with read and write permission on <see cref="Bucket"/>, sent as "Authorization: Token …".</summary>
    public string Token { get; set; } = "";

    /// <summary>The organisation (name or ID) that owns the bucket.</summary>
    public string Org { get; set; } = "";

    /// <summary>The bucket; it must exist (the store does not create buckets, which needs an all-access token).</summary>
    public string Bucket { get; set; } = "pipeline";

    /// <summary>Content-addressed pixel store for frames; the time series holds only each frame's SHA-256.</summary>
    public string BlobFolder { get; set; } = "data/blobs";

    /// <summary>How long one HTTP request may take before it fails.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most points in one write request; InfluxData advises batches of about 5000 lines.</summary>
    public int MaxPointsPerWrite { get; set; } = 5000;

    /// <summary>Whether write bodies and query answers are gzip-compressed on the wire (worth it over slow links, costs CPU).</summary>
    public bool Gzip { get; set; }

    /// <summary>No problem reported here contains the token.</summary>
    public void Check(SettingProblems problems)
    {
        problems.Require(Url is { IsAbsoluteUri: true, Scheme: "http" or "https" }, nameof(Url), $"\"{Url}\" must be an absolute http or https address");
        if (string.IsNullOrWhiteSpace(Token))
        {
            problems.Add(nameof(Token), "is empty (an InfluxDB API token with read and write access to the bucket is needed)");
        }
        else
        {
            problems.Require(!Token.Any(char.IsControl) && Token.Trim().Length == Token.Length, nameof(Token),
                "contains control characters or surrounding white space (its value is not shown)");
        }

        CheckName(problems, nameof(Org), Org);
        CheckName(problems, nameof(Bucket), Bucket);
        problems.NotEmpty(nameof(BlobFolder), BlobFolder);
        problems.Range(nameof(RequestTimeout), RequestTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        problems.Range(nameof(MaxPointsPerWrite), MaxPointsPerWrite, 1, 1_000_000);
    }

    /// <summary>The options for logs, the token left out.</summary>
    public override string ToString() => $"{Url} org \"{Org}\" bucket \"{Bucket}\" blobs {BlobFolder} (token not shown)";

    private static void CheckName(SettingProblems problems, string key, string value)
    {
        // Names are free text in InfluxDB 2.x; they travel in query strings and Flux literals, so only line breaks and emptiness are refused.
        problems.NotEmpty(key, value);
        problems.Require(!value.Any(char.IsControl), key, $"\"{value.ReplaceLineEndings(" ")}\" contains control characters");
    }
}

using Microsoft.Extensions.Configuration;
using Pipeline.Protocol;
using Pipeline.Settings;

namespace Pipeline.Storage.Influx;

/// <summary>Where the InfluxDB 1.x backend writes: the server, its database, and the folder of frame pixels.</summary>
public sealed class InfluxOptions : ICheckedSettings
{
    public const string Section = "Influx";

    static string ICheckedSettings.Section => Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);

    /// <summary>Base address of influxd's HTTP API (its /write and /query endpoints).</summary>
    public Uri Url { get; set; } = new("http://127.0.0.1:8086");

    /// <summary>The database, created on first use if missing.</summary>
    public string Database { get; set; } = "pipeline";

    /// <summary>Content-addressed pixel store for frames; the time series holds only each frame's SHA-256.</summary>
    public string BlobFolder { get; set; } = "data/blobs";

    /// <summary>How long one HTTP request may take before it fails.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most points in one /write request; InfluxDB advises batches of about 5000.</summary>
    public int MaxPointsPerWrite { get; set; } = 5000;

    /// <summary>
    /// Most /write requests of one store write in flight at once. influxd ingests concurrent writes in parallel, and
    /// building the next request overlaps posting the previous; memory grows by one request body per extra slot.
    /// </summary>
    public int WriteConcurrency { get; set; } = 4;

    /// <summary>Rows per chunk of a streamed /query answer, so a long window never has to fit one JSON document.</summary>
    public int QueryChunkSize { get; set; } = 10_000;

    public void Check(SettingProblems problems)
    {
        problems.Require(Url is { IsAbsoluteUri: true, Scheme: "http" or "https" }, nameof(Url), $"\"{Url}\" must be an absolute http or https address");
        problems.Identifier(nameof(Database), Database);
        problems.NotEmpty(nameof(BlobFolder), BlobFolder);
        problems.Range(nameof(RequestTimeout), RequestTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        problems.Range(nameof(MaxPointsPerWrite), MaxPointsPerWrite, 1, 1_000_000);
        problems.Range(nameof(WriteConcurrency), WriteConcurrency, 1, 64);
        problems.Range(nameof(QueryChunkSize), QueryChunkSize, 1, 1_000_000);
    }
}

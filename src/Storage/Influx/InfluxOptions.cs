using Pipeline.Protocol;

namespace Pipeline.Storage.Influx;

/// <summary>Where the InfluxDB 1.x backend writes: the server, its database, and the folder of frame pixels.</summary>
public sealed class InfluxOptions
{
    public const string Section = "Influx";

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

    /// <summary>Every problem with these options, or none.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Url is null || !Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https"))
        {
            problems.Add($"Influx:Url \"{Url}\" must be an absolute http or https address");
        }

        if (!Identifiers.IsValid(Database))
        {
            problems.Add($"Influx:Database \"{Database}\" is not a valid identifier ({Identifiers.Rule})");
        }

        if (string.IsNullOrWhiteSpace(BlobFolder))
        {
            problems.Add("Influx:BlobFolder is empty");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add($"Influx:RequestTimeout {RequestTimeout} must be positive");
        }

        if (MaxPointsPerWrite is < 1 or > 1_000_000)
        {
            problems.Add($"Influx:MaxPointsPerWrite {MaxPointsPerWrite} is outside 1..1000000");
        }

        if (WriteConcurrency is < 1 or > 64)
        {
            problems.Add($"Influx:WriteConcurrency {WriteConcurrency} is outside 1..64");
        }

        if (QueryChunkSize is < 1 or > 1_000_000)
        {
            problems.Add($"Influx:QueryChunkSize {QueryChunkSize} is outside 1..1000000");
        }

        return problems;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"invalid InfluxDB options: {string.Join("; ", problems)}");
        }
    }
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.TestSupport;

namespace Pipeline.Deploy.Tests;

/// <summary>The Grafana dashboard queries what the components export and what the store holds.</summary>
public sealed partial class DashboardTests
{
    private static readonly JsonNode Dashboard = JsonNode.Parse(File.ReadAllText(RepositoryFiles.Find("deploy/k8s/base/monitoring/pipeline-dashboard.json")))!;

    [Fact]
    public void Every_Prometheus_series_is_an_instrument_a_component_exports()
    {
        // Prometheus names: the instrument name with '_' for '.', then the unit (ms, s, By) or _total, and a histogram's
        // _bucket, _sum and _count series.
        var root = Path.GetDirectoryName(RepositoryFiles.Find("Pipeline.sln"))!;
        var instruments = Directory.GetFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => InstrumentName().Matches(File.ReadAllText(file)))
            .Select(m => m.Groups["name"].Value.Replace('.', '_'))
            .ToHashSet();
        var series = Targets("prometheus").SelectMany(t => SeriesName().Matches(t["expr"]!.GetValue<string>())).Select(m => m.Value).ToList();

        Assert.NotEmpty(series);
        Assert.All(series, name => Assert.Contains(instruments, instrument => PrometheusName(instrument).IsMatch(name)));
    }

    private static Regex PrometheusName(string instrument) =>
        new($"^{instrument}(_total|_milliseconds(_bucket|_sum|_count)?|_seconds(_total|_bucket|_sum|_count)?|_bytes)?$");

    [Fact]
    public void Every_InfluxDB_query_reads_a_measurement_and_field_the_store_writes()
    {
        var schema = File.ReadAllText(RepositoryFiles.Find("docs/STORAGE.md"));
        var queries = Targets("influxdb").Select(t => t["query"]!.GetValue<string>()).ToList();

        Assert.NotEmpty(queries);
        foreach (var query in queries)
        {
            var measurement = Measurement().Match(query).Groups["name"].Value;
            Assert.Contains($"| `{measurement}` |", schema);
            var row = schema.Split('\n').Single(line => line.StartsWith($"| `{measurement}` |", StringComparison.Ordinal));
            Assert.All(FieldRead().Matches(query).Select(m => m.Groups["field"].Value), field => Assert.Contains(field, row));
        }
    }

    [Fact]
    public void Every_panel_uses_a_provisioned_data_source()
    {
        var provisioned = DataSourceUid().Matches(File.ReadAllText(RepositoryFiles.Find("deploy/k8s/base/monitoring/datasources.yaml")))
            .Select(m => m.Groups["uid"].Value).ToHashSet();

        Assert.All(Dashboard["panels"]!.AsArray(), panel => Assert.Contains(panel!["datasource"]!["uid"]!.GetValue<string>(), provisioned));
    }

    private static IEnumerable<JsonNode> Targets(string type) =>
        Dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray()).Where(t => t!["datasource"]!["type"]!.GetValue<string>() == type)!;

    [GeneratedRegex("Create(Counter|Histogram|UpDownCounter|Gauge|ObservableGauge|ObservableCounter|ObservableUpDownCounter)(<[^>]+>)?\\(\\s*\"(?<name>pipeline\\.[a-z_]+\\.[a-z_]+)\"")]
    private static partial Regex InstrumentName();

    [GeneratedRegex(@"pipeline_[a-z_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex("FROM \"(?<name>[a-z_]+)\"")]
    private static partial Regex Measurement();

    [GeneratedRegex("(count|mean|sum|max|min)\\(\"(?<field>[a-z_]+)\"\\)")]
    private static partial Regex FieldRead();

    [GeneratedRegex(@"uid: (?<uid>[\w-]+)")]
    private static partial Regex DataSourceUid();
}

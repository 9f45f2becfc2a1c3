using Pipeline.Deploy.Tests.Rendering;

namespace Pipeline.Deploy.Tests;

/// <summary>The reader refuses what an API server would: unknown kinds and fields, and values of the wrong type.</summary>
public sealed class StrictManifestReaderTests
{
    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ingest
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: ingest
          template:
            metadata:
              labels:
                app: ingest
            spec:
              containers:
                - name: ingest
                  image: pipeline/ingest:0.1.0
        """;

    [Fact]
    public void A_valid_manifest_is_read_into_its_model() =>
        Assert.Equal(2, Assert.IsType<k8s.Models.V1Deployment>(Assert.Single(StrictManifestReader.Read(Deployment))).Spec.Replicas);

    [Theory]
    [InlineData("  replicas: 2", "  replica: 2", "replica")]
    [InlineData("      containers:", "      containerz:", "containerz")]
    public void An_unknown_field_is_refused(string field, string misspelt, string named)
    {
        var e = Assert.Throws<InvalidManifestException>(() => StrictManifestReader.Read(Deployment.Replace(field, misspelt)));
        Assert.Contains(named, e.Message);
    }

    [Theory]
    [InlineData("  replicas: 2", "  replicas: two")]
    [InlineData("  replicas: 2", "  replicas: \"2\"")]
    [InlineData("  replicas: 2", "  replicas: [2]")]
    [InlineData("  name: ingest\nspec:", "  name: {first: ingest}\nspec:")]
    public void A_value_of_the_wrong_type_is_refused(string value, string wrong) =>
        Assert.Throws<InvalidManifestException>(() => StrictManifestReader.Read(Deployment.Replace(value, wrong)));

    [Fact]
    public void An_unknown_kind_is_refused() =>
        Assert.Throws<InvalidManifestException>(() => StrictManifestReader.Read(Deployment.Replace("kind: Deployment", "kind: Deploymint")));

    [Fact]
    public void A_ServiceMonitor_is_read_strictly_too()
    {
        const string monitor = """
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata:
              name: ingest
            spec:
              selector:
                matchLabels:
                  app: ingest
              endpoints:
                - port: http
                  path: /metrics
            """;

        Assert.Equal("/metrics", Assert.IsType<ServiceMonitor>(Assert.Single(StrictManifestReader.Read(monitor))).Spec.Endpoints.Single().Path);
        Assert.Throws<InvalidManifestException>(() => StrictManifestReader.Read(monitor.Replace("path:", "pathh:")));
    }
}

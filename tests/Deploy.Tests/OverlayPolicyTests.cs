using Pipeline.Deploy.Tests.Policies;
using Pipeline.Deploy.Tests.Rendering;

namespace Pipeline.Deploy.Tests;

/// <summary>Every overlay renders, reads strictly as Kubernetes objects, and keeps every rule of <see cref="ManifestPolicy"/>.</summary>
public sealed class OverlayPolicyTests
{
    public static TheoryData<string> Overlays => [.. DeployTree.Overlays];

    [Fact]
    public void The_overlays_are_dev_gpu_and_scale() => Assert.Equal(["dev", "gpu", "scale"], DeployTree.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_keeps_every_rule(string overlay)
    {
        using var tree = new DeployTree();
        var manifests = tree.Render($"overlays/{overlay}");

        var violations = ManifestPolicy.All(manifests).ToList();

        Assert.True(violations.Count == 0, string.Join(System.Environment.NewLine, violations));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_runs_ingest_the_trainer_the_store_and_a_broker(string overlay)
    {
        using var tree = new DeployTree();
        var manifests = tree.Render($"overlays/{overlay}");

        Assert.StartsWith("pipeline/ingest:", Assert.Single(manifests.Workload("ingest").Spec.Containers).Image);
        Assert.StartsWith("pipeline/trainer:", Assert.Single(manifests.Workload("trainer").Spec.Containers).Image);
        Assert.Equal(1, manifests.Workload("trainer").Replicas);
        Assert.Single(manifests.PodTemplates, p => p.Labels.TryGetValue("pipeline/role", out var role) && role == "broker");
        Assert.Single(manifests.PodTemplates, p => p.Labels.TryGetValue("pipeline/role", out var role) && role == "store");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Ingest_and_the_trainer_find_the_broker_and_the_store_by_their_Service_names(string overlay)
    {
        using var tree = new DeployTree();
        var manifests = tree.Render($"overlays/{overlay}");
        var services = manifests.OfType<k8s.Models.V1Service>().Select(s => s.Metadata.Name).ToHashSet();

        foreach (var app in new[] { "ingest", "trainer" })
        {
            var env = Environment(manifests, app);
            Assert.Contains(env["PIPELINE_Broker__Host"], services);
            Assert.Contains(new Uri(env["PIPELINE_Influx__Url"]).Host, services);
            Assert.Equal("influx", env["PIPELINE_Store__Backend"]);
            Assert.Equal("0.0.0.0", env["PIPELINE_Http__Address"]);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Our_pods_are_scraped_on_their_http_port_at_metrics(string overlay)
    {
        using var tree = new DeployTree();
        var manifests = tree.Render($"overlays/{overlay}");

        foreach (var app in new[] { "ingest", "trainer" })
        {
            var pod = manifests.Workload(app);
            var annotations = pod.Template.Metadata.Annotations;
            Assert.Equal("true", annotations["prometheus.io/scrape"]);
            Assert.Equal("/metrics", annotations["prometheus.io/path"]);
            var port = Assert.Single(pod.Spec.Containers.Single().Ports, p => p.Name == "http");
            Assert.Equal(port.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
            Assert.Equal(port.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Environment(manifests, app)["PIPELINE_Http__Port"]);
        }
    }

    internal static Dictionary<string, string> Environment(RenderedManifests manifests, string app) =>
        manifests.Workload(app).Spec.Containers.Single().Env
            .ToDictionary(e => e.Name, e => e.Value ?? (e.ValueFrom?.FieldRef is { } field ? $"fieldRef:{field.FieldPath}" : "valueFrom"));
}

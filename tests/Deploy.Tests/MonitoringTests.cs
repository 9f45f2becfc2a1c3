using k8s.Models;
using Pipeline.Deploy.Tests.Policies;
using Pipeline.Deploy.Tests.Rendering;

namespace Pipeline.Deploy.Tests;

/// <summary>The optional monitoring kustomization: ServiceMonitors that find our Services, and the one widening of the store.</summary>
public sealed class MonitoringTests
{
    [Fact]
    public void Each_ServiceMonitor_selects_a_Service_of_an_overlay_on_a_port_it_has_at_metrics()
    {
        using var tree = new DeployTree();
        var monitors = tree.Render("monitoring").OfType<ServiceMonitor>().ToList();
        var services = DeployTree.Overlays.SelectMany(o => tree.Render($"overlays/{o}").OfType<V1Service>()).ToList();

        Assert.Equal(["emqx", "ingest", "trainer"], monitors.Select(m => m.Metadata.Name).Order());
        foreach (var monitor in monitors)
        {
            var selected = services.Where(s => LabelSelectors.Selects(monitor.Spec.Selector, s.Metadata.Labels)).ToList();
            Assert.NotEmpty(selected);
            Assert.All(monitor.Spec.Endpoints, e => Assert.Contains(selected, s => s.Spec.Ports.Any(p => p.Name == e.Port)));
            Assert.All(monitor.Spec.Endpoints, e => Assert.Equal(monitor.Metadata.Name == "emqx" ? "/api/v5/prometheus/stats" : "/metrics", e.Path));
        }
    }

    [Fact]
    public void Applied_beside_an_overlay_the_store_is_open_to_Grafana_and_the_policy_check_says_so()
    {
        using var tree = new DeployTree();
        var monitoring = tree.Render("monitoring");
        var combined = new RenderedManifests([.. tree.Render("overlays/dev").Objects, .. monitoring.OfType<V1NetworkPolicy>()]);

        Assert.Equal(["NetworkPolicy store-from-grafana lets pods of other namespaces or addresses reach the store"], ManifestPolicy.StoreReachableOnlyFromIngestAndTrainer(combined));
    }
}

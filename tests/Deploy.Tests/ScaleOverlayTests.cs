using k8s.Models;
using Pipeline.Deploy.Tests.Policies;
using Pipeline.Deploy.Tests.Rendering;

namespace Pipeline.Deploy.Tests;

/// <summary>The scale overlay: a clustered EMQX broker and several ingest instances sharing one subscription group.</summary>
public sealed class ScaleOverlayTests
{
    [Fact]
    public void Several_ingest_instances_share_one_subscription_group_each_with_its_own_client_id()
    {
        using var tree = new DeployTree();
        var manifests = tree.Render("overlays/scale");
        var env = OverlayPolicyTests.Environment(manifests, "ingest");

        Assert.True(manifests.Workload("ingest").Replicas > 1);
        Assert.NotEmpty(env["PIPELINE_Ingest__SharedSubscriptionGroup"]);
        Assert.Equal("fieldRef:metadata.name", env["PIPELINE_Ingest__ClientId"]);
    }

    [Fact]
    public void Ingest_has_an_autoscaler_above_one_instance_and_a_disruption_budget()
    {
        using var tree = new DeployTree();
        var manifests = tree.Render("overlays/scale");
        var ingest = manifests.Workload("ingest");

        var autoscaler = Assert.Single(manifests.OfType<V2HorizontalPodAutoscaler>());
        Assert.Equal(ingest.Owner, $"{autoscaler.Spec.ScaleTargetRef.Kind}/{autoscaler.Spec.ScaleTargetRef.Name}");
        Assert.True(autoscaler.Spec.MinReplicas > 1);
        Assert.True(autoscaler.Spec.MaxReplicas > autoscaler.Spec.MinReplicas);
        Assert.Contains(manifests.OfType<V1PodDisruptionBudget>(), b => LabelSelectors.Selects(b.Spec.Selector, ingest.Labels));
    }

    [Fact]
    public void The_broker_is_an_EMQX_cluster_that_discovers_its_nodes_through_Kubernetes()
    {
        using var tree = new DeployTree();
        var manifests = tree.Render("overlays/scale");
        var emqx = manifests.Workload("emqx");
        var env = emqx.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        var headless = manifests.Single<V1Service>(env["EMQX_CLUSTER__K8S__SERVICE_NAME"]);

        Assert.True(emqx.Replicas > 1);
        Assert.Equal("k8s", env["EMQX_CLUSTER__DISCOVERY_STRATEGY"]);
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        Assert.True(LabelSelectors.Selects(headless.Spec.Selector, emqx.Labels));
        var binding = Assert.Single(manifests.OfType<V1RoleBinding>(), b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == emqx.Spec.ServiceAccountName));
        var role = manifests.Single<V1Role>(binding.RoleRef.Name);
        Assert.Contains(role.Rules, r => r.Resources.Contains("endpoints") && r.Verbs.Contains("list"));
        Assert.DoesNotContain(manifests.PodTemplates, p => p.Labels[ManifestPolicy.AppLabel] == "mosquitto");
    }
}

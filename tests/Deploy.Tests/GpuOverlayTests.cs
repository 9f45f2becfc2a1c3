using Pipeline.Deploy.Tests.Rendering;

namespace Pipeline.Deploy.Tests;

/// <summary>The gpu overlay puts the trainer's two pipeline stages on two GPUs of a GPU node.</summary>
public sealed class GpuOverlayTests
{
    [Fact]
    public void The_trainer_asks_for_exactly_two_GPUs_tolerates_GPU_nodes_and_uses_both()
    {
        using var tree = new DeployTree();
        var trainer = tree.Render("overlays/gpu").Workload("trainer");
        var container = Assert.Single(trainer.Spec.Containers);

        Assert.Equal("2", container.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal("2", container.Resources.Requests["nvidia.com/gpu"].ToString());
        Assert.Contains(trainer.Spec.Tolerations, t => t is { Key: "nvidia.com/gpu", OperatorProperty: "Exists", Effect: "NoSchedule" });
        Assert.NotEmpty(trainer.Spec.NodeSelector);
        Assert.Equal("cuda:0,cuda:1", container.Env.Single(e => e.Name == "PIPELINE_Trainer__Devices").Value);
        Assert.EndsWith("-cuda", container.Image);
    }

    [Fact]
    public void The_model_registry_is_on_a_persistent_volume_claim()
    {
        using var tree = new DeployTree();
        var manifests = tree.Render("overlays/gpu");
        var trainer = manifests.Workload("trainer");
        var dataFolder = trainer.Spec.Containers.Single().Env.Single(e => e.Name == "PIPELINE_Trainer__DataFolder").Value;
        var mount = trainer.Spec.Containers.Single().VolumeMounts.Single(m => m.MountPath == dataFolder);
        var claim = trainer.Spec.Volumes.Single(v => v.Name == mount.Name).PersistentVolumeClaim;

        Assert.NotNull(claim);
        Assert.Single(manifests.OfType<k8s.Models.V1PersistentVolumeClaim>(), c => c.Metadata.Name == claim.ClaimName);
    }

    [Fact]
    public void Outside_the_gpu_overlay_the_trainer_runs_on_CPU_without_GPUs()
    {
        using var tree = new DeployTree();
        var container = tree.Render("overlays/dev").Workload("trainer").Spec.Containers.Single();

        Assert.Equal("cpu,cpu", container.Env.Single(e => e.Name == "PIPELINE_Trainer__Devices").Value);
        Assert.DoesNotContain("nvidia.com/gpu", container.Resources.Limits.Keys);
    }
}

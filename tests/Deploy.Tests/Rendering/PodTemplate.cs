using k8s.Models;

namespace Pipeline.Deploy.Tests.Rendering;

/// <summary>The pods a workload (Deployment, StatefulSet, Job) runs: who owns them, how many, and their spec.</summary>
public sealed record PodTemplate(string Owner, int Replicas, V1PodTemplateSpec Template, IReadOnlyList<V1PersistentVolumeClaim> ClaimTemplates)
{
    public V1PodSpec Spec => Template.Spec;

    public IDictionary<string, string> Labels => Template.Metadata?.Labels ?? new Dictionary<string, string>();

    public IEnumerable<V1Container> AllContainers => Spec.Containers.Concat(Spec.InitContainers ?? []);
}

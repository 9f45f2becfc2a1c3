using k8s;
using k8s.Models;
using Pipeline.Deploy.Tests.Policies;

namespace Pipeline.Deploy.Tests.Rendering;

/// <summary>The objects one kustomization renders to, read strictly, with the views the policies look at.</summary>
public sealed class RenderedManifests(IReadOnlyList<object> objects)
{
    public IReadOnlyList<object> Objects { get; } = objects;

    public static RenderedManifests Read(string yaml) => new(StrictManifestReader.Read(yaml));

    public IEnumerable<T> OfType<T>() => Objects.OfType<T>();

    public T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        OfType<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new InvalidOperationException($"no {typeof(T).Name} named {name} among {string.Join(", ", Objects.OfType<IKubernetesObject<V1ObjectMeta>>().Select(o => $"{o.Kind}/{o.Metadata.Name}"))}");

    /// <summary>Every pod template of a Deployment, StatefulSet or Job.</summary>
    public IEnumerable<PodTemplate> PodTemplates =>
        OfType<V1Deployment>().Select(d => new PodTemplate($"Deployment/{d.Metadata.Name}", d.Spec.Replicas ?? 1, d.Spec.Template, []))
            .Concat(OfType<V1StatefulSet>().Select(s => new PodTemplate($"StatefulSet/{s.Metadata.Name}", s.Spec.Replicas ?? 1, s.Spec.Template, [.. s.Spec.VolumeClaimTemplates ?? []])))
            .Concat(OfType<V1Job>().Select(j => new PodTemplate($"Job/{j.Metadata.Name}", j.Spec.Parallelism ?? 1, j.Spec.Template, [])));

    /// <summary>The one pod template whose pods carry app.kubernetes.io/name=<paramref name="app"/>.</summary>
    public PodTemplate Workload(string app) =>
        PodTemplates.SingleOrDefault(p => p.Labels.TryGetValue(ManifestPolicy.AppLabel, out var name) && name == app)
        ?? throw new InvalidOperationException($"no single workload with {ManifestPolicy.AppLabel}={app}");
}

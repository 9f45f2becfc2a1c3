using k8s.Models;
using Pipeline.Deploy.Tests.Rendering;

namespace Pipeline.Deploy.Tests.Policies;

/// <summary>
/// The rules every rendered overlay keeps. Each check returns its violations, one sentence each naming the object, so a
/// test shows all of them at once and a test of the check itself can feed it a manifest that breaks exactly one rule.
/// </summary>
public static class ManifestPolicy
{
    public const string AppLabel = "app.kubernetes.io/name";

    /// <summary>Images built from this repository (deploy/docker): their probes must be the real /alive and /health.</summary>
    public const string OwnImagePrefix = "pipeline/";

    /// <summary>The store's pods, and the only pods that may reach them.</summary>
    public const string StoreApp = "influxdb";

    public static readonly IReadOnlySet<string> StoreClients = new HashSet<string> { "ingest", "trainer" };

    /// <summary>Containers whose root filesystem stays writable, each for the reason given in its manifest.</summary>
    public static readonly IReadOnlySet<string> WritableRootFilesystem = new HashSet<string> { "emqx" };

    private static readonly string[] ComputeResources = ["cpu", "memory"];

    public static IEnumerable<string> All(RenderedManifests m) =>
        ResourcesSet(m)
            .Concat(ProbesSet(m))
            .Concat(RunsAsNonRoot(m))
            .Concat(ReadOnlyRootFilesystem(m))
            .Concat(ImagesPinned(m))
            .Concat(ReferencesResolve(m))
            .Concat(ServicesSelectPods(m))
            .Concat(StoreReachableOnlyFromIngestAndTrainer(m));

    public static IEnumerable<string> ResourcesSet(RenderedManifests m) =>
        from pod in m.PodTemplates
        from container in pod.AllContainers
        from kind in new[] { ("requests", container.Resources?.Requests), ("limits", container.Resources?.Limits) }
        from resource in ComputeResources
        where kind.Item2 is null || !kind.Item2.ContainsKey(resource)
        select $"{pod.Owner} container {container.Name} has no {kind.Item1} for {resource}";

    public static IEnumerable<string> ProbesSet(RenderedManifests m)
    {
        foreach (var pod in m.PodTemplates)
        {
            foreach (var container in pod.Spec.Containers)
            {
                var where = $"{pod.Owner} container {container.Name}";
                var own = container.Image.StartsWith(OwnImagePrefix, StringComparison.Ordinal);
                foreach (var (kind, probe, path) in new[] { ("liveness", container.LivenessProbe, "/alive"), ("readiness", container.ReadinessProbe, "/health") })
                {
                    if (probe is null)
                    {
                        yield return $"{where} has no {kind} probe";
                    }
                    else if (probe.HttpGet is null && probe.TcpSocket is null && probe.Exec is null && probe.Grpc is null)
                    {
                        yield return $"{where} has a {kind} probe without a check";
                    }
                    else if (own && probe.HttpGet?.Path != path)
                    {
                        yield return $"{where}'s {kind} probe must be GET {path}, not {probe.HttpGet?.Path ?? "another kind of check"}";
                    }
                    else if ((probe.HttpGet?.Port ?? probe.TcpSocket?.Port) is { } port && !HasPort(container, port.Value))
                    {
                        yield return $"{where}'s {kind} probe names port {port.Value}, which the container does not declare";
                    }
                }
            }
        }
    }

    public static IEnumerable<string> RunsAsNonRoot(RenderedManifests m)
    {
        foreach (var pod in m.PodTemplates)
        {
            foreach (var container in pod.AllContainers)
            {
                var where = $"{pod.Owner} container {container.Name}";
                var nonRoot = container.SecurityContext?.RunAsNonRoot ?? pod.Spec.SecurityContext?.RunAsNonRoot;
                var user = container.SecurityContext?.RunAsUser ?? pod.Spec.SecurityContext?.RunAsUser;
                if (nonRoot != true)
                {
                    yield return $"{where} does not set runAsNonRoot";
                }

                if (user is null or 0)
                {
                    yield return $"{where} sets no numeric non-root runAsUser";
                }

                if (container.SecurityContext?.AllowPrivilegeEscalation != false)
                {
                    yield return $"{where} does not forbid privilege escalation";
                }
            }
        }
    }

    public static IEnumerable<string> ReadOnlyRootFilesystem(RenderedManifests m) =>
        from pod in m.PodTemplates
        from container in pod.AllContainers
        where container.SecurityContext?.ReadOnlyRootFilesystem != true && !WritableRootFilesystem.Contains(container.Name)
        select $"{pod.Owner} container {container.Name} has a writable root filesystem";

    public static IEnumerable<string> ImagesPinned(RenderedManifests m) =>
        from pod in m.PodTemplates
        from container in pod.AllContainers
        let problem = ImageReference.Problem(container.Image)
        where problem is not null
        select $"{pod.Owner} container {container.Name}: {problem}";

    public static IEnumerable<string> ReferencesResolve(RenderedManifests m)
    {
        var secrets = m.OfType<V1Secret>().ToDictionary(s => s.Metadata.Name, s => (IEnumerable<string>)[.. (s.Data?.Keys ?? []), .. (s.StringData?.Keys ?? [])]);
        var configMaps = m.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name, c => (IEnumerable<string>)[.. (c.Data?.Keys ?? []), .. (c.BinaryData?.Keys ?? [])]);
        var claims = m.OfType<V1PersistentVolumeClaim>().Select(c => c.Metadata.Name).ToHashSet();
        var accounts = m.OfType<V1ServiceAccount>().Select(a => a.Metadata.Name).Append("default").ToHashSet();
        var problems = new List<string>();

        void Check(string where, string kind, IReadOnlyDictionary<string, IEnumerable<string>> known, string name, string? key, bool? optional)
        {
            if (optional == true)
            {
                return;
            }

            if (!known.TryGetValue(name, out var keys))
            {
                problems.Add($"{where} refers to {kind} {name}, which is not rendered");
            }
            else if (key is not null && !keys.Contains(key))
            {
                problems.Add($"{where} refers to key {key} of {kind} {name}, which has only {string.Join(", ", keys)}");
            }
        }

        foreach (var pod in m.PodTemplates)
        {
            if (pod.Spec.ServiceAccountName is { } account && !accounts.Contains(account))
            {
                problems.Add($"{pod.Owner} runs as service account {account}, which is not rendered");
            }

            var volumes = (pod.Spec.Volumes ?? []).ToDictionary(v => v.Name);
            foreach (var volume in volumes.Values)
            {
                var where = $"{pod.Owner} volume {volume.Name}";
                if (volume.Secret is { } secret)
                {
                    Check(where, "Secret", secrets, secret.SecretName, null, secret.Optional);
                    foreach (var item in secret.Items ?? [])
                    {
                        Check(where, "Secret", secrets, secret.SecretName, item.Key, secret.Optional);
                    }
                }

                if (volume.ConfigMap is { } configMap)
                {
                    Check(where, "ConfigMap", configMaps, configMap.Name, null, configMap.Optional);
                    foreach (var item in configMap.Items ?? [])
                    {
                        Check(where, "ConfigMap", configMaps, configMap.Name, item.Key, configMap.Optional);
                    }
                }

                foreach (var source in volume.Projected?.Sources ?? [])
                {
                    if (source.Secret is { } s)
                    {
                        Check(where, "Secret", secrets, s.Name, null, s.Optional);
                    }

                    if (source.ConfigMap is { } c)
                    {
                        Check(where, "ConfigMap", configMaps, c.Name, null, c.Optional);
                    }
                }

                if (volume.PersistentVolumeClaim is { } claim && !claims.Contains(claim.ClaimName))
                {
                    problems.Add($"{where} claims {claim.ClaimName}, which is not rendered");
                }
            }

            foreach (var container in pod.AllContainers)
            {
                var where = $"{pod.Owner} container {container.Name}";
                foreach (var variable in container.Env ?? [])
                {
                    if (variable.ValueFrom?.SecretKeyRef is { } s)
                    {
                        Check($"{where} env {variable.Name}", "Secret", secrets, s.Name, s.Key, s.Optional);
                    }

                    if (variable.ValueFrom?.ConfigMapKeyRef is { } c)
                    {
                        Check($"{where} env {variable.Name}", "ConfigMap", configMaps, c.Name, c.Key, c.Optional);
                    }
                }

                foreach (var source in container.EnvFrom ?? [])
                {
                    if (source.SecretRef is { } s)
                    {
                        Check($"{where} envFrom", "Secret", secrets, s.Name, null, s.Optional);
                    }

                    if (source.ConfigMapRef is { } c)
                    {
                        Check($"{where} envFrom", "ConfigMap", configMaps, c.Name, null, c.Optional);
                    }
                }

                foreach (var mount in container.VolumeMounts ?? [])
                {
                    if (volumes.TryGetValue(mount.Name, out var volume))
                    {
                        // A single file mounted from a Secret or ConfigMap must be one of its keys.
                        if (mount.SubPath is { Length: > 0 } file && volume.Secret is { } secret)
                        {
                            Check($"{where} mount {mount.MountPath}", "Secret", secrets, secret.SecretName, file, secret.Optional);
                        }

                        if (mount.SubPath is { Length: > 0 } entry && volume.ConfigMap is { } configMap)
                        {
                            Check($"{where} mount {mount.MountPath}", "ConfigMap", configMaps, configMap.Name, entry, configMap.Optional);
                        }
                    }
                    else if (pod.ClaimTemplates.All(t => t.Metadata.Name != mount.Name))
                    {
                        problems.Add($"{where} mounts volume {mount.Name}, which the pod does not have");
                    }
                }
            }
        }

        return problems;
    }

    public static IEnumerable<string> ServicesSelectPods(RenderedManifests m)
    {
        foreach (var service in m.OfType<V1Service>())
        {
            var pods = m.PodTemplates.Where(p => LabelSelectors.Selects(service.Spec.Selector, p.Labels)).ToList();
            if (pods.Count == 0)
            {
                yield return $"Service {service.Metadata.Name} selects no pod template";
                continue;
            }

            foreach (var port in service.Spec.Ports ?? [])
            {
                var target = port.TargetPort?.Value ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!pods.Any(p => p.Spec.Containers.Any(c => HasPort(c, target))))
                {
                    yield return $"Service {service.Metadata.Name} port {port.Name} targets {target}, which no selected container declares";
                }
            }
        }
    }

    /// <summary>
    /// The store's pods are selected by a default-deny policy, and every policy that lets traffic in to them names only
    /// ingest's and the trainer's pods (no namespace selector, no address block, no open rule).
    /// </summary>
    public static IEnumerable<string> StoreReachableOnlyFromIngestAndTrainer(RenderedManifests m)
    {
        var store = m.PodTemplates.Where(p => p.Labels.TryGetValue(AppLabel, out var app) && app == StoreApp).ToList();
        if (store.Count == 0)
        {
            yield return $"no pod template with {AppLabel}={StoreApp}";
            yield break;
        }

        var policies = m.OfType<V1NetworkPolicy>()
            .Where(p => (p.Spec.PolicyTypes ?? ["Ingress"]).Contains("Ingress"))
            .Where(p => store.Any(s => LabelSelectors.Selects(p.Spec.PodSelector, s.Labels)))
            .ToList();
        if (policies.Count == 0)
        {
            yield return "no network policy restricts ingress to the store";
        }

        foreach (var policy in policies)
        {
            foreach (var rule in policy.Spec.Ingress ?? [])
            {
                if (rule.FromProperty is null or { Count: 0 })
                {
                    yield return $"NetworkPolicy {policy.Metadata.Name} lets every source reach the store";
                    continue;
                }

                foreach (var peer in rule.FromProperty)
                {
                    if (peer.NamespaceSelector is not null || peer.IpBlock is not null || peer.PodSelector is null)
                    {
                        yield return $"NetworkPolicy {policy.Metadata.Name} lets pods of other namespaces or addresses reach the store";
                    }
                    else if (m.PodTemplates.Where(p => LabelSelectors.Selects(peer.PodSelector, p.Labels))
                             .Select(p => p.Labels.TryGetValue(AppLabel, out var app) ? app : p.Owner)
                             .FirstOrDefault(app => !StoreClients.Contains(app)) is { } other)
                    {
                        yield return $"NetworkPolicy {policy.Metadata.Name} lets {other} reach the store";
                    }
                    else if (peer.PodSelector.MatchLabels is not { Count: > 0 } && peer.PodSelector.MatchExpressions is not { Count: > 0 })
                    {
                        yield return $"NetworkPolicy {policy.Metadata.Name} lets every pod of the namespace reach the store";
                    }
                }
            }
        }
    }

    private static bool HasPort(V1Container container, string port) =>
        (container.Ports ?? []).Any(p => p.Name == port || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port);
}

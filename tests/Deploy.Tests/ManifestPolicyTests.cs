using Pipeline.Deploy.Tests.Policies;
using Pipeline.Deploy.Tests.Rendering;

namespace Pipeline.Deploy.Tests;

/// <summary>Each rule of <see cref="ManifestPolicy"/> catches a manifest that breaks it, and only that one.</summary>
public sealed class ManifestPolicyTests
{
    [Fact]
    public void The_sample_keeps_every_rule() => Assert.Empty(ManifestPolicy.All(RenderedManifests.Read(SampleManifests.Valid)));

    [Fact]
    public void A_container_without_limits_is_caught() =>
        AssertCaught(ManifestPolicy.ResourcesSet, "StatefulSet/influxdb container influxdb has no limits for memory",
            ("      limits:\n              cpu: \"1\"\n              memory: 512Mi\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n---\napiVersion: networking.k8s.io/v1",
             "      limits:\n              cpu: \"1\"\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n---\napiVersion: networking.k8s.io/v1"));

    [Fact]
    public void Our_component_probed_on_another_path_is_caught() =>
        AssertCaught(ManifestPolicy.ProbesSet, "StatefulSet/ingest container ingest's readiness probe must be GET /health, not /alive",
            ("path: /health", "path: /alive"));

    [Fact]
    public void A_container_without_a_readiness_probe_is_caught() =>
        AssertCaught(ManifestPolicy.ProbesSet, "Deployment/broker container broker has no readiness probe",
            ("\n          readinessProbe:\n            tcpSocket:\n              port: mqtt", ""));

    [Fact]
    public void A_probe_on_an_undeclared_port_is_caught() =>
        AssertCaught(ManifestPolicy.ProbesSet, "Deployment/broker container broker's liveness probe names port 1884, which the container does not declare",
            ("      livenessProbe:\n            tcpSocket:\n              port: mqtt", "      livenessProbe:\n            tcpSocket:\n              port: 1884"));

    [Fact]
    public void A_pod_that_may_run_as_root_is_caught() =>
        AssertCaught(ManifestPolicy.RunsAsNonRoot, "StatefulSet/influxdb container influxdb sets no numeric non-root runAsUser",
            ("runAsUser: 1000", "runAsUser: 0"));

    [Fact]
    public void A_writable_root_filesystem_is_caught() =>
        AssertCaught(ManifestPolicy.ReadOnlyRootFilesystem, "Deployment/broker container broker has a writable root filesystem",
            ("  readOnlyRootFilesystem: true\n          volumeMounts:\n            - name: config", "  readOnlyRootFilesystem: false\n          volumeMounts:\n            - name: config"));

    [Theory]
    [InlineData("influxdb:latest", "image influxdb:latest is not pinned to a version")]
    [InlineData("influxdb", "image influxdb has no tag")]
    [InlineData("registry.local:5000/influxdb", "image registry.local:5000/influxdb has no tag")]
    public void An_unpinned_image_is_caught(string image, string problem) =>
        AssertCaught(ManifestPolicy.ImagesPinned, $"StatefulSet/influxdb container influxdb: {problem}", ("influxdb:1.8.10", image));

    [Fact]
    public void A_reference_to_a_missing_Secret_key_is_caught() =>
        AssertCaught(ManifestPolicy.ReferencesResolve, "StatefulSet/ingest container ingest env PIPELINE_Broker__Password refers to key trainer.secret of Secret credentials, which has only ingest.secret",
            ("key: ingest.secret", "key: trainer.secret"));

    [Fact]
    public void A_volume_from_a_missing_ConfigMap_is_caught() =>
        AssertCaught(ManifestPolicy.ReferencesResolve, "Deployment/broker volume config refers to ConfigMap mosquitto-config, which is not rendered",
            ("name: broker-config\n", "name: mosquitto-config\n", 1));

    [Fact]
    public void A_mount_of_a_missing_volume_is_caught() =>
        AssertCaught(ManifestPolicy.ReferencesResolve, "StatefulSet/ingest container ingest mounts volume spill, which the pod does not have",
            ("- name: data\n              mountPath: /var/lib/pipeline", "- name: spill\n              mountPath: /var/lib/pipeline"));

    [Fact]
    public void A_Service_that_selects_no_pod_is_caught() =>
        AssertCaught(ManifestPolicy.ServicesSelectPods, "Service ingest selects no pod template",
            ("  selector:\n    app.kubernetes.io/name: ingest\n  ports:", "  selector:\n    app.kubernetes.io/name: ingester\n  ports:"));

    [Fact]
    public void A_Service_port_no_container_declares_is_caught() =>
        AssertCaught(ManifestPolicy.ServicesSelectPods, "Service ingest port http targets metrics, which no selected container declares",
            ("targetPort: http", "targetPort: metrics"));

    [Fact]
    public void The_store_open_to_another_pod_is_caught() =>
        AssertCaught(ManifestPolicy.StoreReachableOnlyFromIngestAndTrainer, "NetworkPolicy store-from-ingest lets broker reach the store",
            ("          app.kubernetes.io/name: ingest\n      ports:\n        - port: 8086", "          app.kubernetes.io/name: broker\n      ports:\n        - port: 8086"));

    [Fact]
    public void The_store_open_to_other_namespaces_is_caught() =>
        AssertCaught(ManifestPolicy.StoreReachableOnlyFromIngestAndTrainer, "NetworkPolicy store-from-ingest lets pods of other namespaces or addresses reach the store",
            ("        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: ingest\n      ports:", "        - namespaceSelector: {}\n      ports:"));

    [Fact]
    public void The_store_without_a_policy_is_caught() =>
        AssertCaught(ManifestPolicy.StoreReachableOnlyFromIngestAndTrainer, "no network policy restricts ingress to the store",
            ("  podSelector: {}\n  policyTypes: [\"Ingress\"]", "  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: ingest\n  policyTypes: [\"Ingress\"]"),
            ("    matchLabels:\n      app.kubernetes.io/name: influxdb\n  policyTypes", "    matchLabels:\n      app.kubernetes.io/name: broker\n  policyTypes"));

    [Fact]
    public void A_store_rule_without_sources_is_caught() =>
        AssertCaught(ManifestPolicy.StoreReachableOnlyFromIngestAndTrainer, "NetworkPolicy store-from-ingest lets every source reach the store",
            ("    - from:\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: ingest\n      ports:", "    - ports:"));

    private static void AssertCaught(Func<RenderedManifests, IEnumerable<string>> check, string violation, params (string Old, string New)[] edits) =>
        AssertCaught(check, violation, edits.Select(e => (e.Old, e.New, 0)).ToArray());

    private static void AssertCaught(Func<RenderedManifests, IEnumerable<string>> check, string violation, params (string Old, string New, int Occurrence)[] edits)
    {
        var yaml = SampleManifests.Valid;
        foreach (var (old, replacement, occurrence) in edits)
        {
            var at = -1;
            for (var i = 0; i <= occurrence; i++)
            {
                at = yaml.IndexOf(old, at + 1, StringComparison.Ordinal);
                Assert.True(at >= 0, $"the sample has no occurrence {occurrence} of:\n{old}");
            }

            yaml = string.Concat(yaml.AsSpan(0, at), replacement, yaml.AsSpan(at + old.Length));
        }

        Assert.Equal([violation], check(RenderedManifests.Read(yaml)));
    }
}

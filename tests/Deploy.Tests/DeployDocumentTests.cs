using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using Pipeline.Deploy.Tests.Docker;
using Pipeline.Deploy.Tests.Rendering;
using Pipeline.TestSupport;

namespace Pipeline.Deploy.Tests;

/// <summary>docs/DEPLOY.md states what the manifests and Dockerfiles do.</summary>
public sealed partial class DeployDocumentTests
{
    private static readonly string Document = File.ReadAllText(RepositoryFiles.Find("docs/DEPLOY.md"));

    [Fact]
    public void Every_overlay_the_document_names_exists_and_every_overlay_is_named()
    {
        var named = OverlayPath().Matches(Document).Select(m => m.Groups["name"].Value).ToHashSet();

        Assert.Equal(DeployTree.Overlays.ToHashSet(), named);
        Assert.Contains($"| object | {string.Join(" | ", DeployTree.Overlays)} |", Document);
    }

    [Fact]
    public void Every_secret_file_an_operator_supplies_is_explained_under_its_folder()
    {
        foreach (var folder in DeployTree.OperatorSecretFiles(DeployTree.Source).GroupBy(f => Path.GetDirectoryName(f)!))
        {
            var heading = $"`deploy/k8s/{Path.GetRelativePath(DeployTree.Source, folder.Key).Replace('\\', '/')}/`";
            var at = Document.IndexOf(heading, StringComparison.Ordinal);
            Assert.True(at >= 0, $"docs/DEPLOY.md has no section for {heading}");
            var section = Document[at..(Document.IndexOf("\n#", at, StringComparison.Ordinal) is var end and > 0 ? end : Document.Length)];
            Assert.All(folder, file => Assert.Contains($"`{Path.GetFileName(file)}`", section));
        }
    }

    [Fact]
    public void The_ports_GPU_and_scaling_figures_are_the_rendered_ones()
    {
        using var tree = new DeployTree();
        var dev = tree.Render("overlays/dev");
        var gpu = tree.Render("overlays/gpu").Workload("trainer");
        var autoscaler = tree.Render("overlays/scale").OfType<V2HorizontalPodAutoscaler>().Single();

        Assert.Contains($"Ingest (port {OverlayPolicyTests.Environment(dev, "ingest")["PIPELINE_Http__Port"]})", Document);
        Assert.Contains($"the trainer (port {OverlayPolicyTests.Environment(dev, "trainer")["PIPELINE_Http__Port"]})", Document);
        Assert.Contains($"`nvidia.com/gpu: {gpu.Spec.Containers.Single().Resources.Limits["nvidia.com/gpu"]}`", Document);
        Assert.Contains($"`PIPELINE_Trainer__Devices={gpu.Spec.Containers.Single().Env.Single(e => e.Name == "PIPELINE_Trainer__Devices").Value}`", Document);
        Assert.All(gpu.Spec.NodeSelector, label => Assert.Contains($"`{label.Key}={label.Value}`", Document));
        Assert.Contains($"between {autoscaler.Spec.MinReplicas} and {autoscaler.Spec.MaxReplicas}", Document);
        Assert.Contains($"`ingest-0` … `ingest-{(autoscaler.Spec.MaxReplicas - 1).ToString(CultureInfo.InvariantCulture)}`", Document);
    }

    [Fact]
    public void The_base_images_it_names_are_the_Dockerfiles()
    {
        var root = Path.GetDirectoryName(RepositoryFiles.Find("Pipeline.sln"))!;
        var versions = Directory.GetFiles(Path.Combine(root, "deploy", "docker"), "*.Dockerfile")
            .SelectMany(f => Dockerfile.Parse(f, File.ReadAllText(f)).Arguments("FROM"))
            .Select(from => from.Split(' ')[0].Split(':')[1])
            .ToHashSet();

        Assert.Equal(2, versions.Count);
        Assert.All(versions, version => Assert.Contains(version, Document));
    }

    [GeneratedRegex(@"overlays/(?<name>[a-z0-9-]+)")]
    private static partial Regex OverlayPath();
}

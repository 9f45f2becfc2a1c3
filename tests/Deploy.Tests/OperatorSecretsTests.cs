using k8s.Models;
using Pipeline.Deploy.Tests.Rendering;

namespace Pipeline.Deploy.Tests;

/// <summary>Secrets come only from files the operator supplies: without them nothing renders, and none is in the repository.</summary>
public sealed class OperatorSecretsTests
{
    public static TheoryData<string> Overlays => [.. DeployTree.Overlays];

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Without_the_operators_files_an_overlay_does_not_render_and_names_the_missing_file(string overlay)
    {
        using var tree = new DeployTree(withOperatorSecrets: false);

        var e = Assert.Throws<KustomizeFailedException>(() => tree.Render($"overlays/{overlay}"));
        Assert.Matches(@"secrets/[\w.-]+", e.Message);
    }

    [Fact]
    public void The_repository_holds_no_secret_file()
    {
        var supplied = DeployTree.OperatorSecretFiles(DeployTree.Source).Where(File.Exists).ToList();
        var tracked = supplied.Where(IsTracked).ToList();

        Assert.Empty(tracked);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_rendered_Secret_is_generated_from_the_operators_files(string overlay)
    {
        using var tree = new DeployTree();
        var secrets = tree.Render($"overlays/{overlay}").OfType<V1Secret>().ToList();

        Assert.NotEmpty(secrets);
        Assert.All(secrets.SelectMany(s => s.Data.Values), value => Assert.StartsWith("test stand-in for ", System.Text.Encoding.UTF8.GetString(value)));
    }

    private static bool IsTracked(string file)
    {
        var start = new System.Diagnostics.ProcessStartInfo("git", ["ls-files", "--error-unmatch", file])
        {
            WorkingDirectory = Path.GetDirectoryName(file)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var git = System.Diagnostics.Process.Start(start)!;
        git.WaitForExit();
        return git.ExitCode == 0;
    }
}

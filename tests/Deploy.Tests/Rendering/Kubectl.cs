using System.Diagnostics;

namespace Pipeline.Deploy.Tests.Rendering;

/// <summary>
/// Runs <c>kubectl kustomize</c>, which renders a kustomization offline. A missing kubectl fails the test with how to
/// install it; it never skips.
/// </summary>
public static class Kubectl
{
    public const string InstallHint = "install it with deploy/k8s/install-kubectl.sh (./test.sh does so when it is missing)";

    /// <summary>kubectl from the KUBECTL environment variable, or the first one on PATH.</summary>
    public static string Path()
    {
        var configured = Environment.GetEnvironmentVariable("KUBECTL");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new FileNotFoundException($"KUBECTL names {configured}, which does not exist; {InstallHint}");
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(folder, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"kubectl is not installed (not on PATH, KUBECTL not set): the deployment tests render the manifests with `kubectl kustomize`; {InstallHint}");
    }

    /// <summary>The manifests <paramref name="kustomizationFolder"/> renders to; a failure throws with kubectl's own message.</summary>
    public static string Kustomize(string kustomizationFolder)
    {
        var start = new ProcessStartInfo(Path(), ["kustomize", kustomizationFolder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new KustomizeFailedException($"kubectl kustomize {kustomizationFolder} failed (exit {process.ExitCode}): {error.Result}");
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.Models;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Tests.Faults;

/// <summary>A task's registry folder judged from its files alone, without the registry's own code: what a crash left there.</summary>
internal static partial class RegistryOnDisk
{
    /// <summary>
    /// Every v&lt;N&gt; folder with its manifest; fails naming the first that is not whole (a manifest that is missing,
    /// does not decode or names another version; an artifact missing or not of the manifest's size and SHA-256).
    /// </summary>
    public static IReadOnlyDictionary<int, ModelManifest> WholeVersions(string taskFolder)
    {
        var versions = new SortedDictionary<int, ModelManifest>();
        foreach (var folder in Directory.Exists(taskFolder) ? Directory.EnumerateDirectories(taskFolder) : [])
        {
            var match = VersionFolder().Match(Path.GetFileName(folder));
            if (!match.Success)
            {
                continue;
            }

            var version = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var manifestPath = Path.Combine(folder, "manifest.json");
            Assert.True(File.Exists(manifestPath), $"v{version} has no manifest.json: a half-written version ({Describe(folder)})");
            var decoded = ControlMessageCodec.DecodeModelManifest(File.ReadAllBytes(manifestPath));
            Assert.True(decoded.IsSuccess, $"v{version}'s manifest does not decode: {decoded.Error?.Message}");
            Assert.Equal(version, decoded.Value.Version);
            var artifactPath = Path.Combine(folder, "model.bin");
            Assert.True(File.Exists(artifactPath), $"v{version} has no model.bin: a half-written version ({Describe(folder)})");
            var artifact = File.ReadAllBytes(artifactPath);
            Assert.True(artifact.Length == decoded.Value.SizeBytes && ModelArtifacts.Sha256Hex(artifact) == decoded.Value.Sha256,
                $"v{version}'s model.bin is {artifact.Length} bytes with SHA-256 {ModelArtifacts.Sha256Hex(artifact)}; its manifest says {decoded.Value.SizeBytes} bytes, {decoded.Value.Sha256}");
            versions[version] = decoded.Value;
        }

        return versions;
    }

    /// <summary>Hidden entries that still hold files: a version being stored, or one a crash interrupted and no start has cleared.</summary>
    public static IReadOnlyList<string> StagedWithFiles(string taskFolder) =>
        Directory.Exists(taskFolder)
            ? [.. Directory.EnumerateDirectories(taskFolder, ".*").Where(d => Directory.EnumerateFileSystemEntries(d).Any()).Select(Path.GetFileName).OfType<string>()]
            : [];

    /// <summary>One line on what the folder holds, for a test's table.</summary>
    public static string Describe(string folder) =>
        Directory.Exists(folder)
            ? string.Join(", ", Directory.EnumerateFileSystemEntries(folder).Select(e => Directory.Exists(e) ? $"{Path.GetFileName(e)}/ ({Directory.EnumerateFileSystemEntries(e).Count()} entries)" : Path.GetFileName(e)).Order(StringComparer.Ordinal))
            : "(no folder)";

    [GeneratedRegex(@"^v(\d+)$")]
    private static partial Regex VersionFolder();
}

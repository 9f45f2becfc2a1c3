using Pipeline.Protocol;

namespace Pipeline.Trainer.Registry;

/// <summary>
/// Versioned models on disk: &lt;data&gt;/models/&lt;task&gt;/v&lt;N&gt;/model.bin and manifest.json (ControlMessageCodec),
/// so versions survive a restart. Candidates that were not blessed are kept under rejected/ for inspection.
/// </summary>
public sealed class ModelRegistry(string dataFolder)
{
    private const string ArtifactFile = "model.bin";
    private const string ManifestFile = "manifest.json";

    public string TaskFolder(string task) => Path.Combine(dataFolder, "models", Identifiers.Require(task, nameof(task)));

    /// <summary>The highest stored version whose manifest decodes and whose artifact is present; null if none.</summary>
    public ModelManifest? Current(string task)
    {
        var folder = TaskFolder(task);
        if (!Directory.Exists(folder))
        {
            return null;
        }

        foreach (var version in Versions(folder).OrderDescending())
        {
            var path = Path.Combine(folder, $"v{version}");
            var decoded = ControlMessageCodec.DecodeModelManifest(File.ReadAllBytes(Path.Combine(path, ManifestFile)));
            if (decoded.IsSuccess && decoded.Value.Version == version && File.Exists(Path.Combine(path, ArtifactFile)))
            {
                return decoded.Value;
            }
        }

        return null;
    }

    public int NextVersion(string task)
    {
        var folder = TaskFolder(task);
        return Directory.Exists(folder) ? Versions(folder).DefaultIfEmpty(0).Max() + 1 : 1;
    }

    public byte[] ReadArtifact(ModelManifest manifest) => File.ReadAllBytes(Path.Combine(TaskFolder(manifest.Task), $"v{manifest.Version}", ArtifactFile));

    /// <summary>Stores a blessed model as its version; the manifest is written last, so a half-written version is never current.</summary>
    public void Store(ModelManifest manifest, byte[] artifact) =>
        Write(Path.Combine(TaskFolder(manifest.Task), $"v{manifest.Version}"), manifest, artifact);

    /// <summary>Records a candidate that was not blessed, without giving it a version.</summary>
    public void Reject(ModelManifest manifest, byte[] artifact) =>
        Write(Path.Combine(TaskFolder(manifest.Task), "rejected", manifest.CreatedMicros.ToString(System.Globalization.CultureInfo.InvariantCulture)), manifest, artifact);

    private static void Write(string folder, ModelManifest manifest, byte[] artifact)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, ArtifactFile), artifact);
        var temporary = Path.Combine(folder, ManifestFile + ".tmp");
        File.WriteAllBytes(temporary, ControlMessageCodec.Encode(manifest));
        File.Move(temporary, Path.Combine(folder, ManifestFile), overwrite: true);
    }

    private static IEnumerable<int> Versions(string folder) =>
        Directory.EnumerateDirectories(folder, "v*")
            .Select(d => Path.GetFileName(d)[1..])
            .Select(n => int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0)
            .Where(v => v > 0);
}

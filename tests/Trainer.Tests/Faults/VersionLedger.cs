using Pipeline.Protocol;

namespace Pipeline.Trainer.Tests.Faults;

/// <summary>
/// Every sighting of a version number, on the broker and in the registry's folder, across every run of a test:
/// a number may be seen many times, but must always name the same model (one manifest, one artifact).
/// </summary>
internal sealed class VersionLedger
{
    private readonly List<(int Version, long CreatedMicros, string Sha256, string Where)> _manifests = [];
    private readonly List<(int Version, string Sha256, string Where)> _artifacts = [];

    public int Sightings => _manifests.Count + _artifacts.Count;

    public void SawManifest(ModelManifest manifest, string where) => _manifests.Add((manifest.Version, manifest.CreatedMicros, manifest.Sha256, where));

    public void SawArtifact(int version, string sha256, string where) => _artifacts.Add((version, sha256, where));

    /// <summary>Each version number that names two models, with where each was seen; empty when there is none.</summary>
    public IReadOnlyList<string> Conflicts()
    {
        var conflicts = new List<string>();
        foreach (var version in _manifests.Select(m => m.Version).Concat(_artifacts.Select(a => a.Version)).Distinct().Order())
        {
            var manifests = _manifests.Where(m => m.Version == version).GroupBy(m => (m.CreatedMicros, m.Sha256)).ToList();
            var artifacts = _artifacts.Where(a => a.Version == version).GroupBy(a => a.Sha256).ToList();
            var shas = manifests.Select(m => m.Key.Sha256).Concat(artifacts.Select(a => a.Key)).Distinct(StringComparer.Ordinal).Count();
            if (manifests.Count > 1 || shas > 1)
            {
                conflicts.Add($"v{version} names more than one model: "
                    + string.Join("; ", manifests.Select(m => $"manifest created {m.Key.CreatedMicros} for artifact {m.Key.Sha256} in {string.Join(", ", m.Select(x => x.Where).Distinct())}")
                        .Concat(artifacts.Select(a => $"artifact {a.Key} in {string.Join(", ", a.Select(x => x.Where).Distinct())}"))));
            }
        }

        return conflicts;
    }
}

using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Durability.Files;
using Pipeline.Models;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Registry;

/// <summary>
/// Versioned models on disk: &lt;data&gt;/models/&lt;task&gt;/v&lt;N&gt;/model.bin and manifest.json (ControlMessageCodec),
/// so versions survive a restart. Candidates that were not blessed are kept under rejected/ for inspection.
/// A version appears whole or not at all: it is written into a hidden staging folder (.v&lt;N&gt;.partial), fsynced, and
/// renamed into place (docs/TRAINING.md, "The model registry"). A number, once staged, is never given to another model.
/// Which version devices run is decided in the task's decision log (<see cref="ModelDecisionLog"/>): each blessed
/// version, rollback and promotion is a decision, and <see cref="Current"/> follows them.
/// </summary>
public sealed class ModelRegistry(string dataFolder, ILogger? logger = null)
{
    private const string ArtifactFile = "model.bin";
    private const string ManifestFile = "manifest.json";
    private const string RejectedFolder = "rejected";
    private const string StagingPrefix = ".";
    private const string StagingSuffix = ".partial";

    // The highest number ever given to a version of the task, so deleting version folders never frees a number that
    // devices may already have run (they ignore a version not newer than theirs).
    private const string HighestVersionFile = "highest-version";
    private const string AnnouncedFile = "announced-decision";

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>
    /// Takes the registry for this process alone, until disposed: two trainers on one data folder would give out the
    /// same version numbers. The lock is the operating system's (an exclusive open of models/.writer.lock), so it goes
    /// with the process however that ends. Throws naming the file when another process holds it.
    /// </summary>
    public IDisposable LockForWriting()
    {
        var path = Path.Combine(dataFolder, "models", ".writer.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"another trainer is writing the model registry ({path} is locked); run one trainer per data folder", e);
        }
    }

    public string TaskFolder(string task) => Path.Combine(dataFolder, "models", Identifiers.Require(task, nameof(task)));

    /// <summary>
    /// The version devices are to run, null if none is whole. That is the newest whole version stored above the latest
    /// decision's ceiling (blessed since; its announcement decides it), else the version of the latest decision whose
    /// version is whole. With no decisions yet (a registry older than them) every version is above the ceiling, so the
    /// newest whole one is current. Each version passed over is logged with what is wrong with it.
    /// </summary>
    public ModelManifest? Current(string task)
    {
        // The log is read once for both: a decision appended in between would otherwise be half seen.
        var decisions = Decisions(task);
        return Undecided(task, decisions) ?? Decided(task, decisions);
    }

    /// <summary>
    /// The newest whole version stored above the latest decision's ceiling: blessed after every decision so far, and so
    /// the next to announce (a trainer that stopped between storing and announcing it left it so). Null if none.
    /// </summary>
    public ModelManifest? Undecided(string task) => Undecided(task, Decisions(task));

    private ModelManifest? Undecided(string task, IReadOnlyList<RecordedDecision> decisions)
    {
        var folder = TaskFolder(task);
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var ceiling = decisions is [.., var latest] ? latest.Ceiling : 0;
        foreach (var version in StoredVersions(folder).Where(v => v > ceiling).OrderDescending())
        {
            var (manifest, problem) = Check(task, version, Path.Combine(folder, VersionName(version)));
            if (manifest is not null)
            {
                return manifest;
            }

            _logger.LogWarning("{Task} v{Version} in the model registry is passed over: {Problem}", task, version, problem);
        }

        return null;
    }

    /// <summary>The task's decisions, oldest first (<see cref="ModelDecisionLog"/>); lines that do not read are logged and skipped.</summary>
    public IReadOnlyList<RecordedDecision> Decisions(string task)
    {
        var (decisions, problems) = new ModelDecisionLog(TaskFolder(task)).Read();
        foreach (var problem in problems)
        {
            _logger.LogWarning("{Problem}", problem);
        }

        return decisions;
    }

    /// <summary>
    /// Records the decision to run <paramref name="version"/>, which must be whole, with a sequence above every earlier
    /// one; <paramref name="kind"/> says why (Protocol's ModelDecision kinds). Safe against another process deciding at
    /// the same time. Throws naming the problem when the version is not whole.
    /// </summary>
    public RecordedDecision Decide(string task, int version, string kind, long nowMicros, string? reason = null)
    {
        var folder = TaskFolder(task);
        if (Manifest(task, version) is { Problem: { } problem })
        {
            throw new InvalidOperationException($"{task} v{version} cannot be run: {problem}");
        }

        // The ceiling is the highest version stored, not the highest number given: a version being stored meanwhile
        // (blessed while an operator rolls back) lands above it and is announced after the rollback, as it would have been.
        return new ModelDecisionLog(folder).Append(nowMicros, (_, sequence) =>
            new RecordedDecision(sequence, kind, version, StoredVersions(folder).Append(version).Max(), ModelDecisionLog.Timestamp(nowMicros), reason));
    }

    /// <summary>The sequence of the task's latest decision that was announced to devices (0 if none), as the announcing trainer recorded it.</summary>
    public long Announced(string task)
    {
        var path = Path.Combine(TaskFolder(task), AnnouncedFile);
        try
        {
            return File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Notes that decision <paramref name="sequence"/> went out, for `pipeline models status`, replacing the file whole.
    /// </summary>
    public void RecordAnnounced(string task, long sequence) =>
        AtomicFile.Write(Path.Combine(TaskFolder(task), AnnouncedFile), System.Text.Encoding.ASCII.GetBytes(sequence.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Version <paramref name="version"/>'s manifest when it is whole, else what is wrong with it (or that there is none).</summary>
    public (ModelManifest? Manifest, string? Problem) Manifest(string task, int version)
    {
        var path = Path.Combine(TaskFolder(task), VersionName(version));
        return Directory.Exists(path) ? Check(task, version, path) : (null, $"the registry holds no {task} v{version}");
    }

    private ModelManifest? Decided(string task, IReadOnlyList<RecordedDecision> decisions)
    {
        foreach (var decision in decisions.Reverse())
        {
            var (manifest, problem) = Manifest(task, decision.Version);
            if (manifest is not null)
            {
                return manifest;
            }

            _logger.LogWarning("{Task} v{Version}, decided at {Decided}, is passed over: {Problem}", task, decision.Version, decision.Decided, problem);
        }

        return null;
    }

    /// <summary>
    /// One above every number ever given: those a version holds, whether it is whole, damaged, or was interrupted while
    /// being stored, and those of versions deleted since (the registry keeps its highest number in a file of its own).
    /// </summary>
    public int NextVersion(string task)
    {
        var folder = TaskFolder(task);
        return Directory.Exists(folder) ? StoredVersions(folder).Concat(StagedVersions(folder)).Append(HighestVersion(folder)).Max() + 1 : 1;
    }

    /// <summary>Every stored version of <paramref name="task"/>, oldest first, each whole (its manifest) or with what is wrong with it.</summary>
    public IReadOnlyList<RegisteredVersion> Versions(string task)
    {
        var folder = TaskFolder(task);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return [.. StoredVersions(folder).Order().Select(version =>
        {
            var path = Path.Combine(folder, VersionName(version));
            var (manifest, problem) = Check(task, version, path);
            return new RegisteredVersion(version, path, manifest, problem);
        })];
    }

    /// <summary>The folders of <paramref name="task"/>'s candidates that were not blessed (each with its model card), by name.</summary>
    public IReadOnlyList<string> RejectedFolders(string task)
    {
        var rejected = Path.Combine(TaskFolder(task), RejectedFolder);
        return Directory.Exists(rejected)
            ? [.. Directory.EnumerateDirectories(rejected).Where(d => !Path.GetFileName(d).StartsWith(StagingPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>How many candidates of <paramref name="task"/> were recorded as not blessed.</summary>
    public int RejectedCount(string task)
    {
        var rejected = Path.Combine(TaskFolder(task), RejectedFolder);
        return Directory.Exists(rejected) ? Directory.EnumerateDirectories(rejected).Count(d => !Path.GetFileName(d).StartsWith(StagingPrefix, StringComparison.Ordinal)) : 0;
    }

    public byte[] ReadArtifact(ModelManifest manifest) => File.ReadAllBytes(Path.Combine(TaskFolder(manifest.Task), VersionName(manifest.Version), ArtifactFile));

    /// <summary>
    /// Stores a blessed model as its version, which appears whole with the files <paramref name="writeAlongside"/> adds
    /// to the folder it is given (a report), or not at all. Refuses a number that is already taken.
    /// </summary>
    public void Store(ModelManifest manifest, byte[] artifact, Action<string>? writeAlongside = null)
    {
        var folder = TaskFolder(manifest.Task);
        var name = VersionName(manifest.Version);
        if (Directory.Exists(Path.Combine(folder, name)) || Directory.Exists(Path.Combine(folder, StagingName(name))))
        {
            throw new InvalidOperationException($"{manifest.Task} v{manifest.Version} is already taken in the model registry; a version number names one model only");
        }

        DirectoryFlush.CreateDurably(folder);
        if (manifest.Version > HighestVersion(folder))
        {
            RecordHighestVersion(folder, manifest.Version);
        }

        WriteWhole(folder, name, manifest, artifact, writeAlongside);

        // A finished version above them keeps NextVersion past their numbers, so the markers of interrupted stores can go.
        foreach (var interrupted in StagedVersions(folder).Where(v => v < manifest.Version))
        {
            Directory.Delete(Path.Combine(folder, StagingName(VersionName(interrupted))), recursive: true);
        }
    }

    /// <summary>
    /// Records a candidate that was not blessed, under rejected/<see cref="RejectedName"/>/: its artifact and what
    /// <paramref name="writeAlongside"/> adds (its model card), but no manifest, since it has no version to name.
    /// Whole or not at all, as <see cref="Store"/>. Returns the folder's name.
    /// </summary>
    public string Reject(string task, int round, long createdMicros, byte[] artifact, Action<string>? writeAlongside = null)
    {
        var name = RejectedName(round, createdMicros);
        WriteWhole(Path.Combine(TaskFolder(task), RejectedFolder), name, manifest: null, artifact, writeAlongside);
        return name;
    }

    /// <summary>
    /// A rejected candidate's folder name, which a person can read: its round and creation time (UTC, to the
    /// millisecond), e.g. "round-3-20261204T170102.123Z".
    /// </summary>
    public static string RejectedName(int round, long createdMicros) =>
        string.Create(CultureInfo.InvariantCulture, $"round-{round}-{DateTimeOffset.FromUnixTimeMilliseconds(createdMicros / 1000).UtcDateTime:yyyyMMdd'T'HHmmss.fff'Z'}");

    /// <summary>
    /// At start: what stores interrupted by a crash left. A staged version is emptied and kept as an empty marker, so its
    /// number stays taken until a later version is stored; a staged rejected candidate is removed. Each is logged; returns
    /// how many there were.
    /// </summary>
    public int ClearInterrupted(string task)
    {
        var folder = TaskFolder(task);
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var cleared = 0;
        foreach (var version in StagedVersions(folder))
        {
            var staging = Path.Combine(folder, StagingName(VersionName(version)));
            if (Directory.EnumerateFileSystemEntries(staging).Any())
            {
                Empty(staging);
                _logger.LogWarning("{Task} v{Version} was interrupted while being stored (the trainer stopped); it was never current nor published, and its number stays taken", task, version);
                cleared++;
            }
        }

        var rejected = Path.Combine(folder, RejectedFolder);
        foreach (var staging in Directory.Exists(rejected) ? Directory.EnumerateDirectories(rejected, StagingName("*")) : [])
        {
            Directory.Delete(staging, recursive: true);
            _logger.LogWarning("a rejected {Task} candidate was interrupted while being recorded; removed {Folder}", task, staging);
            cleared++;
        }

        return cleared;
    }

    /// <summary>Writes into the staging folder, fsyncs every file and the folder, renames it to <paramref name="name"/> and fsyncs the parent.</summary>
    private static void WriteWhole(string parent, string name, ModelManifest? manifest, byte[] artifact, Action<string>? writeAlongside)
    {
        DirectoryFlush.CreateDurably(parent);
        var staging = Path.Combine(parent, StagingName(name));
        Directory.CreateDirectory(staging);
        try
        {
            File.WriteAllBytes(Path.Combine(staging, ArtifactFile), artifact);
            if (manifest is not null)
            {
                File.WriteAllBytes(Path.Combine(staging, ManifestFile), ControlMessageCodec.Encode(manifest));
            }

            writeAlongside?.Invoke(staging);
            foreach (var file in Directory.EnumerateFiles(staging))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
                FileFlush.ToDisk(stream);
            }

            DirectoryFlush.ToDisk(staging);
        }
        catch
        {
            // Frees what a full disk let through; the empty folder keeps the number taken.
            Empty(staging);
            throw;
        }

        Directory.Move(staging, Path.Combine(parent, name));
        DirectoryFlush.ToDisk(parent);
    }

    private static int HighestVersion(string folder)
    {
        var path = Path.Combine(folder, HighestVersionFile);
        try
        {
            return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var highest) ? highest : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Written aside, fsynced and renamed over the old file before the version is staged, so a number never goes back.</summary>
    private static void RecordHighestVersion(string folder, int version)
    {
        AtomicFile.Write(Path.Combine(folder, HighestVersionFile), System.Text.Encoding.ASCII.GetBytes(version.ToString(CultureInfo.InvariantCulture)));
    }

    private static (ModelManifest? Manifest, string? Problem) Check(string task, int version, string folder)
    {
        try
        {
            var manifestPath = Path.Combine(folder, ManifestFile);
            if (!File.Exists(manifestPath))
            {
                return (null, $"{ManifestFile} is missing");
            }

            var decoded = ControlMessageCodec.DecodeModelManifest(File.ReadAllBytes(manifestPath));
            if (!decoded.IsSuccess)
            {
                return (null, $"{ManifestFile} does not decode: {decoded.Error.Message}");
            }

            var manifest = decoded.Value;
            if (manifest.Task != task || manifest.Version != version)
            {
                return (null, $"{ManifestFile} names {manifest.Task} v{manifest.Version}");
            }

            var artifactPath = Path.Combine(folder, ArtifactFile);
            if (!File.Exists(artifactPath))
            {
                return (null, $"{ArtifactFile} is missing");
            }

            using var artifact = File.OpenRead(artifactPath);
            if (artifact.Length != manifest.SizeBytes)
            {
                return (null, $"{ArtifactFile} is {artifact.Length} bytes but the manifest says {manifest.SizeBytes}");
            }

            var sha = ModelArtifacts.Sha256Hex(artifact);
            return sha == manifest.Sha256 ? (manifest, null) : (null, $"{ArtifactFile} has SHA-256 {sha} but the manifest says {manifest.Sha256}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"it cannot be read: {e.Message}");
        }
    }

    private static void Empty(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            File.Delete(file);
        }

        foreach (var subfolder in Directory.EnumerateDirectories(folder))
        {
            Directory.Delete(subfolder, recursive: true);
        }
    }

    private static string VersionName(int version) => FormattableString.Invariant($"v{version}");

    private static string StagingName(string name) => StagingPrefix + name + StagingSuffix;

    /// <summary>Numbers of the v&lt;N&gt; folders, whatever they hold.</summary>
    private static IEnumerable<int> StoredVersions(string folder) =>
        Numbers(Directory.EnumerateDirectories(folder, "v*").Select(d => Path.GetFileName(d)[1..]));

    /// <summary>Numbers of the .v&lt;N&gt;.partial folders: stores that were interrupted, or one under way.</summary>
    private static IEnumerable<int> StagedVersions(string folder) =>
        Numbers(Directory.EnumerateDirectories(folder, StagingName("v*")).Select(d => Path.GetFileName(d)[(StagingPrefix.Length + 1)..^StagingSuffix.Length]));

    private static IEnumerable<int> Numbers(IEnumerable<string> digits) =>
        digits.Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0).Where(v => v > 0);
}

using Pipeline.Protocol;
using Pipeline.Tasks;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Reporting;

namespace Pipeline.Runner.Observing;

/// <summary>
/// What the model registry under a data folder holds, for people: per task, every version with its model card, epoch
/// history and confusion matrix, which one is current, and the candidates that were not blessed. Reading a version
/// checks its artifact's hash, so a read is kept for <see cref="FreshFor"/> before the folder is read again.
/// </summary>
internal sealed class RegistryReader(string dataFolder, TimeProvider time)
{
    private static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(2);

    private readonly ModelRegistry _registry = new(dataFolder);
    private readonly Lock _lock = new();
    private IReadOnlyList<TaskModels>? _last;
    private long _lastAt;

    public string DataFolder => dataFolder;

    public IReadOnlyList<TaskModels> Read()
    {
        lock (_lock)
        {
            if (_last is not null && time.GetElapsedTime(_lastAt) < FreshFor)
            {
                return _last;
            }

            _last = [.. TaskRegistry.BuiltIn.Names.Select(ReadTask)];
            _lastAt = time.GetTimestamp();
            return _last;
        }
    }

    private TaskModels ReadTask(string task)
    {
        var versions = _registry.Versions(task)
            .Select(v => new VersionDetails(v.Version, v.Folder, v.Manifest, v.Problem, ModelCardFile.Read(v.Folder),
                TrainingReport.ReadMetrics(v.Folder), TrainingReport.ReadConfusion(v.Folder)))
            .ToList();
        var rejected = _registry.RejectedFolders(task)
            .Select(folder => new RejectedCandidate(Path.GetFileName(folder), folder, ModelCardFile.Read(folder)))
            .OrderBy(r => r.Card?.CreatedAt, StringComparer.Ordinal)
            .ToList();
        return new TaskModels(task, _registry.Current(task)?.Version, versions, rejected);
    }
}

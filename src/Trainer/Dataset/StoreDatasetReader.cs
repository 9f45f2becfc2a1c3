using System.Threading.Channels;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Dataset;

/// <summary>
/// Cuts a task's labelled examples out of the store through a bounded dataflow: labels → read each session's data
/// → cut and preprocess → collect, each stage its own task, each hand-off a bounded channel, so a slow stage holds
/// back the ones before it instead of buffering a whole store in memory. What a session's data is, and how it is
/// read and cut, is the task's (<see cref="ILearningTask"/>).
/// </summary>
internal sealed class StoreDatasetReader(ITelemetryStore store, int channelCapacity = 4)
{
    private sealed record SessionData(SessionLabel Label, object Data);

    /// <summary>Sessions whose data could not be cut (too short, no swing, bad frame), with the reason.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    private readonly List<string> _skipped = [];

    /// <summary>The labelled sessions the last read used: how many, and the span from the first start to the last end (null when none).</summary>
    public (int Sessions, long? FromMicros, long? ToMicros) SessionSpan { get; private set; }

    /// <summary>
    /// Labels come from devices, and every new class name widens the model: a device inventing names by the thousand
    /// would otherwise make a model no device could load. Beyond <paramref name="max"/> classes, the ones with the most
    /// sessions are kept (ties by name) and the other sessions are skipped with the reason.
    /// </summary>
    private IReadOnlyList<SessionLabel> KeepMostFrequentClasses(IReadOnlyList<SessionLabel> labels, int max)
    {
        var byClass = labels.GroupBy(l => l.ClassName, StringComparer.Ordinal).ToList();
        if (byClass.Count <= max)
        {
            return labels;
        }

        var kept = byClass.OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(max).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var dropped = labels.Where(l => !kept.Contains(l.ClassName)).ToList();
        _skipped.Add($"{dropped.Count} sessions of {byClass.Count - max} classes beyond the {max} most frequent were left out");
        return [.. labels.Where(l => kept.Contains(l.ClassName))];
    }

    public async Task<TrainingData> ReadAsync(ILearningTask task, double heldOutFraction, CancellationToken cancellationToken)
    {
        _skipped.Clear();
        var labels = await store.ReadLabelsAsync(task.Name, cancellationToken);
        labels = KeepMostFrequentClasses(labels, ModelManifest.MaxClasses);
        SessionSpan = labels.Count == 0 ? (0, null, null) : (labels.Count, labels.Min(l => l.StartMicros), labels.Max(l => l.EndMicros));
        var classes = labels.Select(l => l.ClassName).Distinct().Order(StringComparer.Ordinal).ToArray();
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);

        var sessions = Channel.CreateBounded<SessionLabel>(channelCapacity);
        var loaded = Channel.CreateBounded<SessionData>(channelCapacity);
        var examples = Channel.CreateBounded<Example>(channelCapacity * 16);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var produce = RunStage(sessions.Writer, failed, async token =>
        {
            foreach (var label in labels)
            {
                await sessions.Writer.WriteAsync(label, token);
            }
        });
        var read = RunStage(loaded.Writer, failed, async token =>
        {
            await foreach (var label in sessions.Reader.ReadAllAsync(token))
            {
                await loaded.Writer.WriteAsync(new SessionData(label, await task.ReadSessionAsync(store, label, token)), token);
            }
        });
        var cut = RunStage(examples.Writer, failed, async token =>
        {
            await foreach (var data in loaded.Reader.ReadAllAsync(token))
            {
                foreach (var example in Cut(task, data, classIndex[data.Label.ClassName]))
                {
                    await examples.Writer.WriteAsync(example, token);
                }
            }
        });

        var train = new List<Example>();
        var heldOut = new List<Example>();
        await foreach (var example in examples.Reader.ReadAllAsync(cancellationToken))
        {
            (HeldOutSplit.IsHeldOut(example.SessionKey, heldOutFraction) ? heldOut : train).Add(example);
        }

        await Task.WhenAll(produce, read, cut);
        return new TrainingData(task.Name, classes, train, heldOut);
    }

    // A failing stage completes its output with the error (so the next stage sees it) and cancels the others.
    private static Task RunStage<T>(ChannelWriter<T> output, CancellationTokenSource failed, Func<CancellationToken, Task> body) =>
        Task.Run(async () =>
        {
            try
            {
                await body(failed.Token);
                output.TryComplete();
            }
            catch (Exception e)
            {
                output.TryComplete(e);
                await failed.CancelAsync();
                throw;
            }
        });

    private IEnumerable<Example> Cut(ILearningTask task, SessionData data, int classIndex)
    {
        var key = $"{data.Label.DeviceId}/{data.Label.SessionId}";
        return task.Cut(data.Label, data.Data, Skip).Select(example =>
            new Example(key, example.Input, example.Auxiliary, classIndex, example.Target, example.Group is { } group ? $"{key}/{group}" : null));
    }

    private void Skip(string reason)
    {
        lock (_skipped)
        {
            _skipped.Add(reason);
        }
    }
}

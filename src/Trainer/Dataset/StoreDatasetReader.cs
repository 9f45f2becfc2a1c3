using System.Threading.Channels;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks.Swing;
using Pipeline.Tasks.Droplet;

namespace Pipeline.Trainer.Dataset;

/// <summary>
/// Cuts a task's labelled examples out of the store through a bounded dataflow: labels → read each session's
/// samples or frames → cut and preprocess → collect, each stage its own task, each hand-off a bounded channel,
/// so a slow stage holds back the ones before it instead of buffering a whole store in memory.
/// </summary>
public sealed class StoreDatasetReader(ITelemetryStore store, int channelCapacity = 4)
{
    private sealed record SessionData(SessionLabel Label, MotionSeries? Motion, IReadOnlyList<MicroscopyFrame>? Frames);

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

    public async Task<TrainingData> ReadAsync(string task, double heldOutFraction, CancellationToken cancellationToken)
    {
        _skipped.Clear();
        var labels = await store.ReadLabelsAsync(task, cancellationToken);
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
                var data = task == LearningTasks.Swing
                    ? new SessionData(label, await store.ReadMotionAsync(label.DeviceId, label.StartMicros, label.EndMicros, token), null)
                    : new SessionData(label, null, await store.ReadFramesAsync(label.DeviceId, label.StartMicros, label.EndMicros, token));
                await loaded.Writer.WriteAsync(data, token);
            }
        });
        var cut = RunStage(examples.Writer, failed, async token =>
        {
            await foreach (var data in loaded.Reader.ReadAllAsync(token))
            {
                foreach (var example in Cut(data, classIndex[data.Label.ClassName]))
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
        return new TrainingData(task, classes, train, heldOut);
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

    private IEnumerable<Example> Cut(SessionData data, int classIndex)
    {
        var label = data.Label;
        var key = $"{label.DeviceId}/{label.SessionId}";
        if (data.Motion is { } motion)
        {
            var start = SwingWindowing.FindWindowStart(motion.Samples);
            if (start < 0)
            {
                Skip($"{key}: {motion.Count} samples hold no swing window");
                yield break;
            }

            var window = motion.Samples.AsSpan(start * MotionChannels.Count, SwingWindowing.WindowSamples * MotionChannels.Count);
            yield return new Example(key, SwingWindowing.ToModelInput(window), 0f, classIndex, 0f);
            yield break;
        }

        // One example per droplet, each labelled with its frame's VOC and concentration (every droplet of a session
        // is exposed to the same vapour); a frame where none is found gives one whole-frame example (DropletSegmenter).
        foreach (var frame in data.Frames ?? [])
        {
            IReadOnlyList<DropletCrop> crops;
            try
            {
                crops = DropletSegmenter.Crop(frame);
            }
            catch (ArgumentException e)
            {
                Skip($"{key}: frame {frame.Sequence} refused: {e.Message}");
                continue;
            }

            var frameKey = $"{key}/{frame.Sequence}";
            foreach (var crop in crops)
            {
                yield return new Example(key, crop.Input, frame.DegradationLevel ?? 0f, classIndex, label.Voc?.ConcentrationPercent ?? 0f, frameKey);
            }
        }
    }

    private void Skip(string reason)
    {
        lock (_skipped)
        {
            _skipped.Add(reason);
        }
    }
}

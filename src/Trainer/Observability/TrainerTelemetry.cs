using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Service;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Observability;

/// <summary>
/// The trainer's telemetry: each event updates, in one call, the running value that its instrument of the
/// "Pipeline.Trainer" meter reports to exporters (every instrument is observable) and the training-loop health check reads. Every configured task has its
/// series from the start (at 0), so a dashboard shows the trainer before its first round. Safe to use from any thread.
/// </summary>
public sealed class TrainerTelemetry
{
    public const string MeterName = "Pipeline.Trainer";

    private static readonly string[] Outcomes = ["blessed", "not_blessed", "failed"];

    private readonly ConcurrentDictionary<string, TaskProgress> _tasks = new(StringComparer.Ordinal);

    // Running totals that the observable counters report: read at each collection, so a total counted before the
    // exporter started listening (the host resolves the trainer first) is not lost.
    private readonly ConcurrentDictionary<(string Task, string Outcome), long> _rounds = new();
    private readonly ConcurrentDictionary<(string Task, string Stage), double> _stageBusy = new();
    private readonly TimeProvider _time;
    private long _lastHeartbeat;

    public TrainerTelemetry(IMeterFactory meters, IOptions<TrainerOptions> options, TaskRegistry tasks, TimeProvider time)
    {
        _time = time;
        _lastHeartbeat = time.GetTimestamp();
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("pipeline.trainer.rounds",
            () => _rounds.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("task", r.Key.Task), new KeyValuePair<string, object?>("outcome", r.Key.Outcome))),
            "{round}", "Training rounds finished, by task and outcome (blessed, not_blessed, failed)");
        meter.CreateObservableCounter("pipeline.trainer.stage_busy",
            () => _stageBusy.Select(b => new Measurement<double>(b.Value, new KeyValuePair<string, object?>("task", b.Key.Task), new KeyValuePair<string, object?>("stage", b.Key.Stage))),
            "s", "Time each training stage spent computing, by task and stage");
        meter.CreateObservableGauge("pipeline.trainer.round", () => Each(p => p.Round), "{round}", "The round running or last run, by task (0 before the first)");
        meter.CreateObservableGauge("pipeline.trainer.epoch", () => Each(p => p.Epoch), "{epoch}", "The last epoch finished in the current round, by task (1-based; 0 before the first)");
        meter.CreateObservableGauge("pipeline.trainer.loss", () => Each(p => p.Loss), null, "Training loss of the last epoch finished, by task");
        meter.CreateObservableGauge("pipeline.trainer.samples_per_second", () => Each(p => p.SamplesPerSecond), null, "Training throughput of the last epoch finished, by task");
        meter.CreateObservableGauge("pipeline.trainer.blessed_version", () => Each(p => p.BlessedVersion), "{version}", "The last version this trainer blessed, by task (0 before the first)");
        meter.CreateObservableGauge("pipeline.trainer.heartbeat_age", () => SinceHeartbeat.TotalSeconds, "s", "Time since the training loop last reported progress");
        foreach (var task in options.Value.ResolvedTasks(tasks))
        {
            _tasks[task] = new TaskProgress();
            foreach (var outcome in Outcomes)
            {
                _rounds[(task, outcome)] = 0;
            }
        }
    }

    /// <summary>How long since the training loop last showed it is alive (<see cref="Heartbeat"/>).</summary>
    public TimeSpan SinceHeartbeat => _time.GetElapsedTime(Interlocked.Read(ref _lastHeartbeat));

    /// <summary>The training loop is alive: it polled the store, trained a minibatch, or finished a step of a round.</summary>
    public void Heartbeat() => Interlocked.Exchange(ref _lastHeartbeat, _time.GetTimestamp());

    /// <summary>Round <paramref name="round"/> of <paramref name="task"/> started.</summary>
    public void RoundStarted(string task, int round)
    {
        var progress = Progress(task);
        progress.Round = round;
        progress.Epoch = 0;
        Heartbeat();
    }

    /// <summary>An epoch of the current round of <paramref name="task"/> finished.</summary>
    public void EpochFinished(string task, EpochProgress epoch)
    {
        var progress = Progress(task);
        progress.Epoch = epoch.Epoch + 1;
        progress.Loss = epoch.Loss;
        progress.SamplesPerSecond = epoch.SamplesPerSecond;
        Heartbeat();
    }

    /// <summary>A round's training finished with these busy times per stage (one entry without a pipeline).</summary>
    public void StagesBusy(string task, IReadOnlyList<TimeSpan> busy)
    {
        for (var stage = 0; stage < busy.Count; stage++)
        {
            var seconds = busy[stage].TotalSeconds;
            _stageBusy.AddOrUpdate((task, stage.ToString(System.Globalization.CultureInfo.InvariantCulture)), seconds, (_, total) => total + seconds);
        }
    }

    /// <summary>A round finished: blessed (its version), not blessed, or failed.</summary>
    public void RoundFinished(RoundResult result)
    {
        var outcome = result.Failure is not null ? Outcomes[2] : result.Version is null ? Outcomes[1] : Outcomes[0];
        if (result.Version is { } version)
        {
            Progress(result.Task).BlessedVersion = version;
        }

        _rounds.AddOrUpdate((result.Task, outcome), 1, (_, count) => count + 1);
        Heartbeat();
    }

    private TaskProgress Progress(string task) => _tasks.GetOrAdd(task, _ => new TaskProgress());

    private IEnumerable<Measurement<double>> Each(Func<TaskProgress, double> value) =>
        _tasks.Select(t => new Measurement<double>(value(t.Value), new KeyValuePair<string, object?>("task", t.Key)));

    /// <summary>One task's latest values; each field is written by the training loop and read by the exporter.</summary>
    private sealed class TaskProgress
    {
        public volatile int Round;
        public volatile int Epoch;
        public double Loss;
        public double SamplesPerSecond;
        public volatile int BlessedVersion;
    }
}

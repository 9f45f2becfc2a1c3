using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Dataset.Augmentations;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Explaining;
using Pipeline.Trainer.Observability;
using Pipeline.Trainer.Publishing;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;

namespace Pipeline.Trainer.Service;

/// <summary>One round for one task: dataset from the store, train, evaluate held out, bless against the current version, store and announce.</summary>
/// <remarks><paramref name="tasks"/> are the registered tasks a round can train; the built-in ones when not given.</remarks>
internal sealed class TrainingRound(TrainerOptions options, ITelemetryStore store, ModelRegistry registry, DecisionAnnouncer? announcer, TimeProvider time, ILogger logger,
    TaskRegistry? tasks = null, TrainerTelemetry? telemetry = null)
{
    /// <summary>Called after each epoch of a round with the round's number and task, on the training thread.</summary>
    public Action<int, string, EpochProgress>? EpochCompleted { get; init; }

    /// <summary>Whether the store holds enough labelled sessions: at least MinClasses classes with MinExamplesPerClass sessions each.</summary>
    public async Task<bool> HasEnoughDataAsync(string task, CancellationToken cancellationToken) =>
        (await ReadinessAsync(task, cancellationToken)).ClassesCovered;

    /// <summary>How many labelled sessions the task has, and whether enough classes have enough of them.</summary>
    public async Task<DataReadiness> ReadinessAsync(string task, CancellationToken cancellationToken)
    {
        var labels = await store.ReadLabelsAsync(task, cancellationToken);
        var covered = labels.GroupBy(l => l.ClassName).Count(g => g.Count() >= options.MinExamplesPerClass) >= options.MinClasses;
        return new DataReadiness(labels.Count, covered);
    }

    public async Task<RoundResult> RunAsync(int round, string task, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var definition = (tasks ?? TaskRegistry.BuiltIn).Find(task);
        telemetry?.RoundStarted(task, round);
        var reader = new StoreDatasetReader(store);
        var stored = await reader.ReadAsync(definition, options.HeldOutFraction, cancellationToken);
        var data = RoundSample.AtMost(stored, options.MaxTrainExamples, options.Seed, round);
        foreach (var reason in reader.Skipped)
        {
            logger.LogWarning("round {Round} {Task}: skipped {Reason}", round, task, reason);
        }

        if (data.Classes.Count < 2 || data.Train.Count == 0)
        {
            throw new InvalidOperationException($"{task} has {data.Classes.Count} classes and {data.Train.Count} training examples; cannot train");
        }

        if (!DeviceList.TryParse(options.Devices, out var devices, out var error))
        {
            throw new InvalidOperationException(error ?? options.Devices);
        }

        var current = registry.Current(task);
        using var model = StartingModel(current, definition, data, out var warmStartedFrom, out var start);
        var run = new TrainingRun(Path.Combine(options.DataFolder, "checkpoints", $"{task}.checkpoint"), logger);
        var settings = options.TrainingSettings(devices) with { Augmentation = definition.Augmentation };
        logger.LogInformation("round {Round} {Task}: {Train} training examples{Sampled}, augmentation {Augmentation}, {Start}", round, task, data.Train.Count,
            data.Train.Count == stored.Train.Count ? "" : $" (a sample of the {stored.Train.Count} stored: Trainer:MaxTrainExamples)", AugmentationNames.Name(settings.Augmentation),
            start);
        var outcome = await run.TrainAsync(model, data, options.Schedule, settings, onStep: telemetry is null ? null : _ => telemetry.Heartbeat(), onPlan: null,
            progress =>
            {
                telemetry?.EpochFinished(task, progress);
                logger.LogInformation("round {Round} {Task} {Progress} ({Schedule})", round, task, progress.Describe(), options.Schedule);
                EpochCompleted?.Invoke(round, task, progress);
            }, cancellationToken);
        telemetry?.StagesBusy(task, outcome.StageBusyTimes);
        var (metrics, confusion) = (outcome.Metrics, outcome.Confusion);

        var currentOnSameData = await Task.Factory.StartNew(() => EvaluateCurrent(current, data), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var artifact = ModelArtifacts.Save(model);
        var createdMicros = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        var decision = new BlessingPolicy(options.BlessingMetric, options.BlessingMinimumMargin).Decide(metrics, current, currentOnSameData);
        var blessed = decision.Blessed;
        // Only a blessed model takes a number: a candidate that is refused never names a version.
        int? version = blessed ? registry.NextVersion(task) : null;
        var report = new ReportMetrics(outcome.Schedule, model.Architecture, metrics.Accuracy, metrics.MacroF1, metrics.HeldOutExamples, metrics.ConcentrationMae, outcome.SamplesPerSecond, outcome.History);
        var card = Card(task, version, model, createdMicros, artifact, data, outcome.DataIdentity, reader, outcome.Schedule, settings, outcome.SamplesPerSecond, metrics, confusion, decision,
            warmStartedFrom);
        string? rejectedAs = null;
        if (version is { } number)
        {
            var manifest = new ModelManifest(task, number, model.Architecture, createdMicros, Topics.ModelArtifact(task, number), artifact.Length, card.Artifact.Sha256,
                [.. model.InputShape], [.. data.Classes], metrics, outcome.Schedule);
            registry.Store(manifest, artifact, folder => WriteReport(folder, report, confusion, card with { Explanations = Explain(folder, task, number, model, data) }));
            if (announcer is not null)
            {
                await announcer.AnnounceAsync(task, again: false, cancellationToken);
            }
        }
        else
        {
            rejectedAs = registry.Reject(task, round, createdMicros, artifact, folder => WriteReport(folder, report, confusion, card));
        }

        run.Finish();
        logger.LogInformation(
            "round {Round} {Task}: accuracy {Accuracy:P1} macro-F1 {F1:F3} on {HeldOut} held out, {Examples} examples, {Rate:F0} samples/s, {Seconds:F1} s{Stages}: {Outcome}",
            round, task, metrics.Accuracy, metrics.MacroF1, metrics.HeldOutExamples, data.Train.Count, outcome.SamplesPerSecond, clock.Elapsed.TotalSeconds, DescribeStages(outcome.StageBusyTimes),
            blessed ? $"blessed as v{version}: {decision.Reason}" : $"not blessed: {decision.Reason}");
        if (metrics.DropletAccuracy is { } dropletAccuracy)
        {
            logger.LogInformation(
                "round {Round} {Task}: per frame (mean of each frame's droplet probabilities) accuracy {FrameAccuracy:P1} macro-F1 {FrameF1:F3} concentration MAE {FrameMae:F2} % v/v; per droplet accuracy {DropletAccuracy:P1} macro-F1 {DropletF1:F3} concentration MAE {DropletMae:F2} % v/v",
                round, task, metrics.Accuracy, metrics.MacroF1, metrics.ConcentrationMae, dropletAccuracy, metrics.DropletMacroF1, metrics.DropletConcentrationMae);
        }

        return new RoundResult(round, task, version, metrics.Accuracy, metrics.MacroF1, metrics.ConcentrationMae,
            data.Train.Count, metrics.HeldOutExamples, outcome.Schedule, clock.Elapsed, outcome.SamplesPerSecond, Blessing: decision, RejectedAs: rejectedAs,
            DropletAccuracy: metrics.DropletAccuracy, DropletMacroF1: metrics.DropletMacroF1, DropletConcentrationMae: metrics.DropletConcentrationMae);
    }

    /// <summary>
    /// The model a round trains: the current version's weights with <see cref="TrainerOptions.WarmStart"/> when that version
    /// has this round's architecture, classes and input (and its artifact loads), else a fresh seeded initialisation.
    /// <paramref name="start"/> says which, and for a fresh start with warm start on, why.
    /// </summary>
    private BlockSequence StartingModel(ModelManifest? current, ILearningTask definition, TrainingData data, out int? warmStartedFrom, out string start)
    {
        warmStartedFrom = null;
        var unfit = !options.WarmStart ? null
            : current is null ? "no current model"
            : current.Architecture != definition.Architecture ? $"v{current.Version} is a {current.Architecture}, this round trains a {definition.Architecture}"
            : !current.Classes.SequenceEqual(data.Classes, StringComparer.Ordinal) ? $"v{current.Version} has classes {string.Join(", ", current.Classes)}; this round's data has {string.Join(", ", data.Classes)}"
            : !current.InputShape.SequenceEqual(definition.InputShape) ? $"v{current.Version} takes input [{string.Join(", ", current.InputShape)}], this round [{string.Join(", ", definition.InputShape)}]"
            : null;
        if (options.WarmStart && unfit is null && current is not null)
        {
            try
            {
                var loaded = ModelArtifacts.LoadBlocks(registry.ReadArtifact(current), current);
                warmStartedFrom = current.Version;
                start = $"starting from v{current.Version}'s weights";
                return loaded;
            }
            catch (Exception e) when (e is ModelArtifactException or IOException)
            {
                logger.LogWarning("current {Task} model v{Version} cannot be loaded to start from ({Error}); starting from fresh weights", current.Task, current.Version, e.Message);
                unfit = $"v{current.Version} does not load";
            }
        }

        start = unfit is null ? "starting from fresh weights" : $"starting from fresh weights (warm start: {unfit})";
        return ModelCatalog.CreateForInput(definition.Architecture, data.Classes.Count, definition.InputShape, options.Seed);
    }

    /// <summary>
    /// The current model's metrics on this round's held-out examples, so the candidate is judged against it on the
    /// same data (TFX's evaluator); null when there is no current model, its class list differs from this round's
    /// (the two cannot be compared), or its artifact no longer loads.
    /// </summary>
    private ModelMetrics? EvaluateCurrent(ModelManifest? current, TrainingData data)
    {
        if (current is null || !current.Classes.SequenceEqual(data.Classes, StringComparer.Ordinal))
        {
            return null;
        }

        try
        {
            using var model = ModelArtifacts.LoadBlocks(registry.ReadArtifact(current), current);
            return Evaluator.Evaluate(model, data.HeldOut);
        }
        catch (Exception e) when (e is ModelArtifactException or IOException)
        {
            logger.LogWarning("current {Task} model v{Version} cannot be re-evaluated ({Error}); judging the candidate on its own", current.Task, current.Version, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Curves, confusion matrix, metrics and the model card beside the model, written before it appears in the registry;
    /// a chart that fails to render costs a warning, not the round.
    /// </summary>
    private void WriteReport(string folder, ReportMetrics metrics, ConfusionMatrix confusion, ModelCard card)
    {
        try
        {
            ModelCardFile.Write(folder, card);
            TrainingReport.Write(folder, metrics, confusion);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("could not write the training report into {Folder}: {Error}", folder, e.Message);
        }
    }

    /// <summary>
    /// A few saliency maps per class beside a version (<see cref="VersionExplanations"/>), written before it appears in the
    /// registry; null when none are asked for or they fail to render, which costs a warning, not the round.
    /// </summary>
    private IReadOnlyList<ModelCardExplanation>? Explain(string folder, string task, int version, BlockSequence model, TrainingData data)
    {
        if (options.ExplainedExamplesPerClass == 0)
        {
            return null;
        }

        try
        {
            return VersionExplanations.Write(folder, task, version, model, data.Classes, data.HeldOut, options.ExplainedExamplesPerClass);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("could not write the saliency examples of {Task} v{Version} into {Folder}: {Error}", task, version, folder, e.Message);
            return null;
        }
    }

    private ModelCard Card(string task, int? version, BlockSequence model, long createdMicros, byte[] artifact, TrainingData data, string dataIdentity, StoreDatasetReader reader,
        string schedule, TrainingSettings settings, double samplesPerSecond, ModelMetrics metrics, ConfusionMatrix confusion, BlessingDecision decision, int? warmStartedFrom)
    {
        var (sessions, from, to) = reader.SessionSpan;
        return new ModelCard(
            task,
            version,
            model.Architecture,
            Iso(createdMicros),
            typeof(TrainingRound).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            new ModelCardTraining(schedule, options.Epochs, options.BatchSize, options.LearningRate, options.Momentum, options.Split, options.Devices, options.Seed,
                options.HeldOutFraction, samplesPerSecond, AugmentationNames.Name(settings.Augmentation), LearningRates.Name(settings.LearningRateSchedule), settings.WeightDecay,
                warmStartedFrom),
            new ModelCardData(dataIdentity, sessions, from is { } f ? Iso(f) : null, to is { } t ? Iso(t) : null, data.Train.Count, data.HeldOut.Count, [.. reader.Skipped]),
            new ModelCardHeldOut(metrics.Accuracy, metrics.MacroF1, metrics.ConcentrationMae, confusion.PerClass(),
                metrics.DropletAccuracy is null ? null : new HeldOutScores(metrics.HeldOutExamples, metrics.Accuracy, metrics.MacroF1, metrics.ConcentrationMae),
                metrics.DropletAccuracy is { } dropletAccuracy ? new HeldOutScores(data.HeldOut.Count, dropletAccuracy, metrics.DropletMacroF1 ?? 0, metrics.DropletConcentrationMae) : null),
            decision,
            new ModelCardArtifact(ModelArtifacts.Sha256Hex(artifact), artifact.Length, [.. model.InputShape], [.. data.Classes]));
    }

    private static string Iso(long micros) =>
        DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>Each stage's busy time, for the round's log line: the slower stage bounds a pipeline.</summary>
    private static string DescribeStages(IReadOnlyList<TimeSpan> stageBusyTimes) =>
        stageBusyTimes is [var stage1, var stage2]
            ? $", stage 1 busy {stage1.TotalSeconds:F2} s, stage 2 busy {stage2.TotalSeconds:F2} s"
            : "";
}

using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Dataset.Augmentations;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Checkpoints;

/// <summary>
/// Trains a schedule epoch by epoch, each epoch one <see cref="ITrainingSchedule.TrainAsync"/> call, so every schedule is
/// drained at the boundary (the pipelined one has no minibatch in flight) and the state there is complete: weights,
/// batch-norm statistics, momentum, the epoch index (the data order follows from the seed) and the minibatches trained.
/// With a <paramref name="checkpointPath"/>, that state is written after every epoch, and a later call with the same data
/// identity and settings resumes from it; anything else starts fresh and the log says why.
/// After every epoch the batch-norm statistics are re-estimated for the epoch's weights (<see cref="BatchNormCalibration"/>)
/// before the validation and held-out examples are scored, so every epoch's figures are measured as the final model's are.
/// With validation examples the run keeps its best epoch by validation accuracy (its weights are written beside the
/// checkpoint, "PATH.best", so a resumed run keeps the same one); the held-out examples never choose.
/// </summary>
internal sealed class ResumableTraining(string? checkpointPath, ILogger logger)
{
    private TimeSpan[] _stageBusy = [];

    /// <summary>Minibatch samples trained by the last <see cref="TrainAsync"/> (a resumed run counts only its own epochs).</summary>
    public long SamplesTrained { get; private set; }

    /// <summary>Time spent in the schedule by the last <see cref="TrainAsync"/>; per-epoch evaluation and checkpoints excluded.</summary>
    public TimeSpan TrainingTime { get; private set; }

    /// <summary>Each pipeline stage's busy time summed over the epochs the last <see cref="TrainAsync"/> trained; empty without stages.</summary>
    public IReadOnlyList<TimeSpan> StageBusyTimes => _stageBusy;

    /// <summary>The <see cref="DataIdentity"/> of the data the last <see cref="TrainAsync"/> trained on.</summary>
    public string DataIdentityHash { get; private set; } = "";

    /// <summary>The 0-based epoch whose weights the model holds after the last <see cref="TrainAsync"/>: the best by validation
    /// accuracy with validation examples, the last epoch without.</summary>
    public int KeptEpoch { get; private set; }

    private string? BestPath => checkpointPath is null ? null : checkpointPath + ".best";

    /// <param name="settings">Everything besides the data that decides the result (schedule, split, epochs, batch size,
    /// learning rate, momentum, seed, …) as one string: a checkpoint is used only when it matches exactly.</param>
    /// <param name="onEpoch">Runs after each epoch, on the caller's flow.</param>
    /// <param name="onStep">Runs on a training thread after each minibatch (for timing).</param>
    /// <param name="recipe">The learning-rate schedule, weight decay and augmentation to train with; null trains at the
    /// optimisers' own rate, without decay or augmentation.</param>
    /// <returns>Every epoch's progress, those restored from the checkpoint included.</returns>
    public async Task<IReadOnlyList<EpochProgress>> TrainAsync(
        BlockSequence model, ITrainingSchedule schedule, TrainingData data, int batchSize, int epochs, int seed, string settings,
        Action<EpochProgress>? onEpoch, CancellationToken cancellationToken, Action<StepResult>? onStep = null, TrainingSettings? recipe = null)
    {
        var identity = DataIdentityHash = DataIdentity.Of(data);
        var history = new List<EpochProgress>();
        var (stepsTrained, best) = Resume(model, schedule, identity, settings, history);
        (SamplesTrained, TrainingTime, _stageBusy) = (0, TimeSpan.Zero, []);
        for (var epoch = history.Count; epoch < epochs; epoch++)
        {
            if (recipe is not null)
            {
                foreach (var optimizer in schedule.OptimizersFor(model))
                {
                    optimizer.LearningRate = LearningRates.At(recipe.LearningRateSchedule, recipe.LearningRate, epoch, epochs);
                    optimizer.WeightDecay = recipe.WeightDecay;
                }
            }

            var batches = BatchProducer.CreateChannel(4);
            var feed = BatchProducer.WriteEpochsAsync(batches.Writer, data.Train, model.InputShape, batchSize, epoch + 1, seed, cancellationToken, firstEpoch: epoch,
                recipe?.Augmentation ?? Augmentation.None);
            var (loss, correct, samples) = (0.0, 0L, 0L);
            var clock = Stopwatch.StartNew();
            try
            {
                await schedule.TrainAsync(model, batches.Reader, step =>
                {
                    loss += step.Loss * step.Samples;
                    correct += step.Correct;
                    samples += step.Samples;
                    onStep?.Invoke(step);
                }, cancellationToken);
            }
            catch
            {
                await DiscardAsync(batches.Reader, feed);
                throw;
            }

            clock.Stop();
            await feed;
            SamplesTrained += samples;
            TrainingTime += clock.Elapsed;
            _stageBusy = _stageBusy.Length == 0 ? [.. schedule.StageBusyTimes] : [.. _stageBusy.Zip(schedule.StageBusyTimes, (a, b) => a + b)];
            stepsTrained += (int)Math.Ceiling(samples / (double)batchSize);

            // Re-estimating the statistics and a forward pass over the validation and held-out examples cost a fraction of
            // an epoch's training; on a thread of its own, as grad mode is per thread. Training mode normalises with each
            // minibatch's own statistics, so the re-estimated running statistics change no weight the next epoch learns.
            var (validation, heldOut) = await Task.Factory.StartNew(() =>
            {
                BatchNormCalibration.Recalibrate(model, data.Train);
                return (data.Validation.Count == 0 ? (double?)null : Evaluator.Evaluate(model, data.Validation).Accuracy,
                    data.HeldOut.Count == 0 ? (double?)null : Evaluator.Evaluate(model, data.HeldOut).Accuracy);
            }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var progress = new EpochProgress(epoch, epochs, samples == 0 ? 0 : loss / samples, samples == 0 ? 0 : correct / (double)samples, heldOut,
                samples / clock.Elapsed.TotalSeconds, validation);
            history.Add(progress);
            var state = ModelArtifacts.Save(model);
            var header = new CheckpointHeader(identity, settings, epoch + 1, stepsTrained, [.. history]);
            if (validation is not null && BestEpoch(history) == epoch)
            {
                best = state;
                if (BestPath is not null)
                {
                    CheckpointFile.Write(BestPath, new TrainingCheckpoint(header, state, []));
                }
            }

            if (checkpointPath is not null)
            {
                CheckpointFile.Write(checkpointPath, new TrainingCheckpoint(header, state, [.. schedule.OptimizersFor(model).Select(o => o.ExportVelocity())]));
            }

            onEpoch?.Invoke(progress);
        }

        KeptEpoch = history.Count - 1;
        if (best is not null && BestEpoch(history) is { } bestEpoch && bestEpoch != history.Count - 1)
        {
            LoadState(model, best);
            KeptEpoch = bestEpoch;
            logger.LogInformation("{Model}: keeping epoch {Epoch} of {Epochs}, the best by validation accuracy ({Accuracy:P1})",
                model.Architecture, bestEpoch + 1, history.Count, history[bestEpoch].ValidationAccuracy);
        }

        return history;
    }

    /// <summary>The first epoch with the highest validation accuracy; null when no epoch was validated.</summary>
    public static int? BestEpoch(IReadOnlyList<EpochProgress> history)
    {
        int? best = null;
        for (var epoch = 0; epoch < history.Count; epoch++)
        {
            if (history[epoch].ValidationAccuracy is { } score && (best is null || score > history[best.Value].ValidationAccuracy))
            {
                best = epoch;
            }
        }

        return best;
    }

    /// <summary>Deletes the checkpoint and the best epoch's weights once the round is finished (a later round on the same data starts afresh).</summary>
    public void Finish()
    {
        if (checkpointPath is not null)
        {
            File.Delete(checkpointPath);
            File.Delete(BestPath!);
        }
    }

    /// <summary>
    /// Restores the checkpoint when it applies (filling <paramref name="history"/>); returns the minibatches it had trained
    /// and the weights of its best epoch by validation (null without validation).
    /// </summary>
    private (int StepsTrained, byte[]? Best) Resume(BlockSequence model, ITrainingSchedule schedule, string identity, string settings, List<EpochProgress> history)
    {
        if (checkpointPath is null || !File.Exists(checkpointPath))
        {
            return (0, null);
        }

        TrainingCheckpoint checkpoint;
        try
        {
            checkpoint = CheckpointFile.Read(checkpointPath);
        }
        catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("checkpoint refused, starting fresh: {Reason}", e.Message);
            return (0, null);
        }

        var header = checkpoint.Header;
        var mismatch = header.DataIdentity != identity ? $"the data differs (checkpoint {Short(header.DataIdentity)}, now {Short(identity)})"
            : header.Settings != settings ? $"the settings differ (checkpoint \"{header.Settings}\", now \"{settings}\")"
            : header.EpochsDone != header.History.Count ? $"it records {header.EpochsDone} epochs done but {header.History.Count} epochs of history"
            : null;
        byte[]? best = null;
        if (mismatch is null && BestEpoch(header.History) is { } bestEpoch)
        {
            (best, mismatch) = bestEpoch == header.EpochsDone - 1 ? (checkpoint.ModelState, null) : ReadBest(identity, settings, bestEpoch);
        }

        if (mismatch is not null)
        {
            logger.LogInformation("checkpoint {Path} not used, starting fresh: {Reason}", checkpointPath, mismatch);
            return (0, null);
        }

        var optimizers = schedule.OptimizersFor(model);
        var fresh = ModelArtifacts.Save(model);
        try
        {
            Restore(model, optimizers, checkpoint.ModelState, checkpoint.Momentum);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The model may be half loaded: put the fresh weights back so the fresh start really is one.
            Restore(model, optimizers, fresh, [.. optimizers.Select(o => new float[]?[o.Slots.Count])]);
            logger.LogWarning("checkpoint {Path} passed its checks but does not load into {Model} ({Error}); starting fresh", checkpointPath, model.Architecture, e.Message);
            return (0, null);
        }

        if (schedule is HybridSchedule hybrid)
        {
            hybrid.StepsTrained = header.StepsTrained;
        }

        history.AddRange(header.History);
        logger.LogInformation("resuming from checkpoint {Path}: {Done} of the epochs done", checkpointPath, header.EpochsDone);
        return (header.StepsTrained, best);
    }

    /// <summary>The weights of epoch <paramref name="bestEpoch"/> from "PATH.best", or why they cannot be used.</summary>
    private (byte[]? State, string? Problem) ReadBest(string identity, string settings, int bestEpoch)
    {
        try
        {
            var best = CheckpointFile.Read(BestPath!);
            return best.Header.DataIdentity == identity && best.Header.Settings == settings && best.Header.EpochsDone == bestEpoch + 1
                ? (best.ModelState, null)
                : (null, $"{BestPath} does not hold epoch {bestEpoch + 1} of this run, its best by validation");
        }
        catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
        {
            return (null, $"the weights of epoch {bestEpoch + 1}, its best by validation, cannot be read: {e.Message}");
        }
    }

    /// <summary>After a stopped or failed epoch: waits for the producer to stop and disposes the minibatches nobody will train on.</summary>
    private static async Task DiscardAsync(System.Threading.Channels.ChannelReader<TrainingBatch> batches, Task feed)
    {
        while (!feed.IsCompleted || batches.TryPeek(out _))
        {
            while (batches.TryRead(out var left))
            {
                left.Dispose();
            }

            await Task.WhenAny(feed, batches.WaitToReadAsync().AsTask());
        }

        try
        {
            await feed;
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            // The producer stops because training stopped; the caller rethrows training's own exception.
        }
    }

    private static void Restore(BlockSequence model, IReadOnlyList<OutOfPlaceSgd> optimizers, byte[] modelState, IReadOnlyList<IReadOnlyList<float[]?>> momentum)
    {
        if (momentum.Count != optimizers.Count)
        {
            throw new CheckpointException($"it holds momentum for {momentum.Count} optimisers; the schedule has {optimizers.Count}");
        }

        LoadState(model, modelState);
        for (var i = 0; i < optimizers.Count; i++)
        {
            optimizers[i].RestoreVelocity(momentum[i]);
        }
    }

    private static void LoadState(BlockSequence model, byte[] modelState)
    {
        using var stream = new MemoryStream(modelState, writable: false);
        model.load(stream, strict: true);
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}

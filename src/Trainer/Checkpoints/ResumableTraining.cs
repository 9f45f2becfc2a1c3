using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Schedules;

namespace Pipeline.Trainer.Checkpoints;

/// <summary>
/// Trains a schedule epoch by epoch, each epoch one <see cref="ITrainingSchedule.TrainAsync"/> call, so every schedule is
/// drained at the boundary (the pipelined one has no minibatch in flight) and the state there is complete: weights,
/// batch-norm statistics, momentum, the epoch index (the data order follows from the seed) and the minibatches trained.
/// With a <paramref name="checkpointPath"/>, that state is written after every epoch, and a later call with the same data
/// identity and settings resumes from it; anything else starts fresh and the log says why.
/// </summary>
public sealed class ResumableTraining(string? checkpointPath, ILogger logger)
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

    /// <param name="settings">Everything besides the data that decides the result (schedule, split, epochs, batch size,
    /// learning rate, momentum, seed, …) as one string: a checkpoint is used only when it matches exactly.</param>
    /// <param name="onEpoch">Runs after each epoch, on the caller's flow.</param>
    /// <param name="onStep">Runs on a training thread after each minibatch (for timing).</param>
    /// <returns>Every epoch's progress, those restored from the checkpoint included.</returns>
    public async Task<IReadOnlyList<EpochProgress>> TrainAsync(
        BlockSequence model, ITrainingSchedule schedule, TrainingData data, int batchSize, int epochs, int seed, string settings,
        Action<EpochProgress>? onEpoch, CancellationToken cancellationToken, Action<StepResult>? onStep = null)
    {
        var identity = DataIdentityHash = DataIdentity.Of(data);
        var history = new List<EpochProgress>();
        var stepsTrained = Resume(model, schedule, identity, settings, history);
        (SamplesTrained, TrainingTime, _stageBusy) = (0, TimeSpan.Zero, []);
        for (var epoch = history.Count; epoch < epochs; epoch++)
        {
            var batches = BatchProducer.CreateChannel(4);
            var feed = BatchProducer.WriteEpochsAsync(batches.Writer, data.Train, model.InputShape, batchSize, epoch + 1, seed, cancellationToken, firstEpoch: epoch);
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

            // A forward pass over the held-out examples costs a fraction of an epoch's training; on its own thread, as grad mode is per thread.
            double? heldOut = data.HeldOut.Count == 0 ? null : await Task.Factory.StartNew(
                () => Evaluator.Evaluate(model, data.HeldOut).Accuracy, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var progress = new EpochProgress(epoch, epochs, samples == 0 ? 0 : loss / samples, samples == 0 ? 0 : correct / (double)samples, heldOut,
                samples / clock.Elapsed.TotalSeconds);
            history.Add(progress);
            if (checkpointPath is not null)
            {
                CheckpointFile.Write(checkpointPath, new TrainingCheckpoint(
                    new CheckpointHeader(identity, settings, epoch + 1, stepsTrained, [.. history]),
                    ModelArtifacts.Save(model),
                    [.. schedule.OptimizersFor(model).Select(o => o.ExportVelocity())]));
            }

            onEpoch?.Invoke(progress);
        }

        return history;
    }

    /// <summary>Deletes the checkpoint once its round is finished (a later round on the same data starts afresh).</summary>
    public void Finish()
    {
        if (checkpointPath is not null)
        {
            File.Delete(checkpointPath);
        }
    }

    /// <summary>Restores the checkpoint when it applies (filling <paramref name="history"/>); returns the minibatches it had trained.</summary>
    private int Resume(BlockSequence model, ITrainingSchedule schedule, string identity, string settings, List<EpochProgress> history)
    {
        if (checkpointPath is null || !File.Exists(checkpointPath))
        {
            return 0;
        }

        TrainingCheckpoint checkpoint;
        try
        {
            checkpoint = CheckpointFile.Read(checkpointPath);
        }
        catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("checkpoint refused, starting fresh: {Reason}", e.Message);
            return 0;
        }

        var header = checkpoint.Header;
        var mismatch = header.DataIdentity != identity ? $"the data differs (checkpoint {Short(header.DataIdentity)}, now {Short(identity)})"
            : header.Settings != settings ? $"the settings differ (checkpoint \"{header.Settings}\", now \"{settings}\")"
            : header.EpochsDone != header.History.Count ? $"it records {header.EpochsDone} epochs done but {header.History.Count} epochs of history"
            : null;
        if (mismatch is not null)
        {
            logger.LogInformation("checkpoint {Path} not used, starting fresh: {Reason}", checkpointPath, mismatch);
            return 0;
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
            return 0;
        }

        if (schedule is HybridSchedule hybrid)
        {
            hybrid.StepsTrained = header.StepsTrained;
        }

        history.AddRange(header.History);
        logger.LogInformation("resuming from checkpoint {Path}: {Done} of the epochs done", checkpointPath, header.EpochsDone);
        return header.StepsTrained;
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

        using (var stream = new MemoryStream(modelState, writable: false))
        {
            model.load(stream, strict: true);
        }

        for (var i = 0; i < optimizers.Count; i++)
        {
            optimizers[i].RestoreVelocity(momentum[i]);
        }
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}

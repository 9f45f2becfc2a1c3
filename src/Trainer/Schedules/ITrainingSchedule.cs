using System.Threading.Channels;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.Schedules;

/// <summary>How a model's minibatches are turned into updates. Every schedule uses <see cref="OutOfPlaceSgd"/> with the same settings.</summary>
public interface ITrainingSchedule
{
    /// <summary>The name recorded in the model manifest ("non-pipelined", "pipelined" or "hybrid").</summary>
    string Name { get; }

    /// <summary>Where the model is split between the two pipeline stages (stage 1 holds the blocks before it); null for a schedule without stages.</summary>
    int? Register { get; }

    /// <summary>How long each pipeline stage computed during the last <see cref="TrainAsync"/>, waits excluded; empty without stages.</summary>
    IReadOnlyList<TimeSpan> StageBusyTimes { get; }

    /// <summary>
    /// The optimisers (one per stage) that <see cref="TrainAsync"/> uses for <paramref name="model"/>, created on first use and
    /// kept, so momentum carries from one call to the next on the same model: a round trains epoch by epoch, and a
    /// checkpoint saves and restores their momentum buffers between epochs.
    /// </summary>
    IReadOnlyList<OutOfPlaceSgd> OptimizersFor(BlockSequence model);

    /// <summary>Trains on every batch <paramref name="batches"/> yields until it completes; <paramref name="onStep"/> runs on a training thread.</summary>
    Task TrainAsync(BlockSequence model, ChannelReader<TrainingBatch> batches, Action<StepResult>? onStep, CancellationToken cancellationToken);
}

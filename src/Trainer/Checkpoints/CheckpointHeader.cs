using Pipeline.Trainer.Reporting;

namespace Pipeline.Trainer.Checkpoints;

/// <summary>
/// The JSON part of a checkpoint. <see cref="DataIdentity"/> and <see cref="Settings"/> decide whether a restarted round may
/// resume from it; <see cref="EpochsDone"/> is the next epoch to train, whose data order <see cref="Dataset.BatchProducer"/>
/// rebuilds from the seed in <see cref="Settings"/>; <see cref="StepsTrained"/> is the minibatches trained so far (the
/// hybrid schedule's switch point counts them); <see cref="History"/> keeps the finished epochs for the curves.
/// </summary>
internal sealed record CheckpointHeader(string DataIdentity, string Settings, int EpochsDone, int StepsTrained, IReadOnlyList<EpochProgress> History);

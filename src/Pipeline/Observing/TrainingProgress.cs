using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Service;

namespace Pipeline.Runner.Observing;

/// <summary>
/// The in-process trainer's progress, as its events report it: the round under way (its epochs so far, for live curves)
/// and every finished round. Safe from any thread.
/// </summary>
internal sealed class TrainingProgress
{
    private readonly Lock _lock = new();
    private readonly List<RoundResult> _rounds = [];
    private RoundUnderWay? _current;

    public void Attach(TrainerService trainer)
    {
        trainer.EpochCompleted += OnEpoch;
        trainer.RoundCompleted += OnRound;
    }

    /// <summary>The round now training (or the last one trained, until the next starts), null before the first epoch.</summary>
    public RoundUnderWay? Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public IReadOnlyList<RoundResult> Rounds
    {
        get
        {
            lock (_lock)
            {
                return [.. _rounds];
            }
        }
    }

    private void OnEpoch(int round, string task, EpochProgress progress)
    {
        lock (_lock)
        {
            var epochs = _current is { } current && current.Round == round && current.Task == task && !current.Finished
                ? [.. current.Epochs.Where(e => e.Epoch < progress.Epoch), progress]
                : new List<EpochProgress> { progress };
            _current = new RoundUnderWay(round, task, epochs, Finished: false);
        }
    }

    private void OnRound(RoundResult result)
    {
        lock (_lock)
        {
            _rounds.Add(result);
            if (_current is { } current && current.Round == result.Round && current.Task == result.Task)
            {
                _current = current with { Finished = true };
            }
        }
    }
}

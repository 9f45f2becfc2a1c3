using Microsoft.Extensions.Logging;

namespace Pipeline.EdgeAgent.Replay;

/// <summary>
/// What a replay reader skipped in an untrusted recording, each problem naming the file and line. Every skip is
/// counted; only the first <see cref="MaxKept"/> are kept and logged, so a recording that is wrong on every line
/// cannot flood the log or memory.
/// </summary>
public sealed class ReplayProblemLog(ILogger logger)
{
    public const int MaxKept = 100;

    private readonly List<string> _kept = [];
    private long _skipped;

    /// <summary>Rows, frames or sessions skipped so far.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public IReadOnlyList<string> Kept
    {
        get
        {
            lock (_kept)
            {
                return [.. _kept];
            }
        }
    }

    public void Skip(string file, long line, string problem)
    {
        Interlocked.Increment(ref _skipped);
        var message = $"{file}:{line}: {problem}; skipped";
        lock (_kept)
        {
            if (_kept.Count >= MaxKept)
            {
                return;
            }

            _kept.Add(message);
        }

        logger.LogWarning("replay: {Problem}", message);
    }
}

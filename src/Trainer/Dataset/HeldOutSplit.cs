namespace Pipeline.Trainer.Dataset;

/// <summary>
/// Deterministic held-out split by session: every example of a session lands on the same side, and a session
/// stays on its side across rounds and restarts (a stable FNV-1a hash, not string.GetHashCode, which is randomised per process).
/// </summary>
internal static class HeldOutSplit
{
    public static bool IsHeldOut(string sessionKey, double fraction)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in sessionKey)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (hash % 10_000) < (ulong)(fraction * 10_000);
    }
}

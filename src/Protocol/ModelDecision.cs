namespace Pipeline.Protocol;

/// <summary>
/// What an announcement decides and in what order. Every announcement of a task's model (a newly blessed version, a
/// rollback to an older one, a promotion of any stored one) is a decision with a higher <see cref="Sequence"/> than the
/// one before. Devices run the manifest with the highest sequence and refuse a lower one: a rollback moves them back
/// although its version is lower, and an old announcement replayed by anyone is refused although its signature holds.
/// The sequence is the decision's time in microseconds since the Unix epoch, or one more than the previous decision's
/// when the clock is behind that, so it keeps rising even when the registry that records decisions is lost and begun afresh.
/// </summary>
public sealed record ModelDecision(long Sequence, string Kind)
{
    /// <summary>A newly blessed version.</summary>
    public const string Publish = "publish";

    /// <summary>Back to an older stored version.</summary>
    public const string Rollback = "rollback";

    /// <summary>Any stored version made current by hand (after a rollback, say).</summary>
    public const string Promote = "promote";

    public static IReadOnlyList<string> Kinds { get; } = [Publish, Rollback, Promote];

    /// <summary>The sequence of a decision taken at <paramref name="nowMicros"/> after one numbered <paramref name="previous"/>.</summary>
    public static long NextSequence(long previous, long nowMicros) => Math.Max(previous + 1, nowMicros);
}

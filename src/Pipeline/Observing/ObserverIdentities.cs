namespace Pipeline.Runner.Observing;

/// <summary>
/// The observer identities `pipeline up` creates: one for its own observer, one for `pipeline dashboard` and one for
/// `pipeline status`, since a broker admits one connection per client id and all three may watch one deployment at once.
/// </summary>
internal static class ObserverIdentities
{
    public const string Loop = "loop-observer";
    public const string Dashboard = "dashboard";
    public const string Status = "status";

    public static IReadOnlyList<string> All { get; } = [Loop, Dashboard, Status];
}

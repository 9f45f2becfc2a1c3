namespace Pipeline.Runner.Observing;

/// <summary>
/// The observer identities `pipeline up` creates: one for the dashboard, one for `pipeline status`, since a broker
/// admits one connection per client id and both may look at the same deployment at once.
/// </summary>
public static class ObserverIdentities
{
    public const string Dashboard = "dashboard";
    public const string Status = "status";
}

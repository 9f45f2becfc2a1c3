namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// One topic filter of a client with a persistent session, as the embedded broker records it across its own restarts
/// (<see cref="DurableSubscriptions"/>): the client, its filter, and how long after <see cref="LastSeenUnixSeconds"/>
/// its session would have expired.
/// </summary>
internal sealed record DurableSubscription(string ClientId, string TopicFilter, long SessionExpirySeconds, long LastSeenUnixSeconds)
{
    public bool HasExpired(DateTimeOffset now) => now.ToUnixTimeSeconds() - LastSeenUnixSeconds >= SessionExpirySeconds;
}

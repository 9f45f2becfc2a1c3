using Pipeline.Protocol;

namespace Pipeline.Hosting.Access;

/// <summary>
/// The one definition of who may use which topics, enforced by the embedded broker (<see cref="BrokerAccessControl"/>)
/// and rendered for mosquitto (<see cref="MosquittoAccessFiles"/>), so both brokers apply the same rules:
/// a device writes only under its own site and device and reads only its task's models; ingest reads every device's
/// motion, frames, labels and status and writes nothing; only the trainer writes models; an observer reads statuses,
/// predictions and model manifests. Anything not granted is denied.
/// </summary>
internal static class TopicPolicy
{
    public static IReadOnlyList<TopicRule> Rules(Identity identity) => identity.Role switch
    {
        IdentityRole.Device =>
        [
            new(TopicAccess.ReadWrite, $"{Topics.Root}/telemetry/{identity.Site}/{identity.DeviceId}/#"),
            new(TopicAccess.Read, $"{Topics.Root}/models/{identity.Task}/#"),
        ],
        // Every telemetry stream, since each registered task names its own data stream; ingest takes what it knows.
        IdentityRole.Ingest => [new(TopicAccess.Read, $"{Topics.Root}/telemetry/+/+/+")],
        IdentityRole.Trainer => [new(TopicAccess.ReadWrite, $"{Topics.Root}/models/#")],
        // Manifests only: an observer has no use for the artifacts' retained chunks.
        IdentityRole.Observer =>
        [
            new(TopicAccess.Read, Topics.AllDevices(TelemetryStream.Status)),
            new(TopicAccess.Read, Topics.AllDevices(TelemetryStream.Predictions)),
            new(TopicAccess.Read, $"{Topics.Root}/models/+/manifest"),
        ],
        _ => [],
    };

    /// <summary>Whether <paramref name="identity"/> may publish to the concrete <paramref name="topic"/>.</summary>
    public static bool CanPublish(Identity identity, string topic) =>
        !topic.Contains('+') && !topic.Contains('#')
        && Rules(identity).Any(rule => rule.Access.HasFlag(TopicAccess.Write) && Covers(rule.Filter, topic));

    /// <summary>
    /// Whether <paramref name="identity"/> may subscribe to <paramref name="filter"/>: every topic the filter can match must
    /// be readable, so "pipeline/v1/#" is refused to a device even though some of what it matches is its own.
    /// </summary>
    public static bool CanSubscribe(Identity identity, string filter)
    {
        var matching = Topics.MatchingFilter(filter);
        return Rules(identity).Any(rule => rule.Access.HasFlag(TopicAccess.Read) && Covers(rule.Filter, matching));
    }

    /// <summary>True when every topic matched by <paramref name="requested"/> is matched by <paramref name="rule"/>.</summary>
    public static bool Covers(string rule, string requested)
    {
        var ruleLevels = rule.Split('/');
        var requestedLevels = requested.Split('/');
        for (var i = 0; i < ruleLevels.Length; i++)
        {
            if (ruleLevels[i] == "#")
            {
                return true;
            }

            if (i >= requestedLevels.Length)
            {
                return false;
            }

            // A '+' in the rule takes any one level, wildcard or not; a literal takes only itself.
            var wanted = requestedLevels[i];
            if (wanted == "#" || (ruleLevels[i] != "+" && ruleLevels[i] != wanted))
            {
                return false;
            }
        }

        return ruleLevels.Length == requestedLevels.Length;
    }
}

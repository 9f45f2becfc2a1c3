using System.Text.Json.Serialization;

namespace Pipeline.Runner.Status;

/// <summary>
/// What `pipeline status` shows, and prints with `--json`: the devices as their retained statuses say, each task's
/// versions with the devices on them, the rates measured over <see cref="Rates"/>' window, live accuracy per version,
/// each task's latest blessing decision, and, in words, what it could not find out.
/// </summary>
internal sealed record StatusReport(
    string Broker,
    DateTimeOffset At,
    IReadOnlyList<StatusDevice> Devices,
    IReadOnlyList<StatusVersion> Versions,
    StatusRates Rates,
    IReadOnlyList<StatusLiveAccuracy> LiveAccuracy,
    IReadOnlyList<StatusDecision> LastDecisions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] StatusStore? Store,
    IReadOnlyList<string> Unavailable);

using System.Text.Json.Serialization;

namespace Pipeline.Runner.Status;

/// <summary>
/// One model version: whether it is current (per the registry) or announced (per the broker), its held-out accuracy,
/// and the devices that run it.
/// </summary>
internal sealed record StatusVersion(
    string Task,
    int Version,
    bool Current,
    bool Announced,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? HeldOutAccuracy,
    IReadOnlyList<string> Devices);

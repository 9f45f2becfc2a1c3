using System.Text.Json.Serialization;

namespace Pipeline.Runner.Status;

/// <summary>One device as its retained status says: online or offline, the version it runs and fetches, its outbox, its last refusal.</summary>
internal sealed record StatusDevice(
    string Id,
    string Task,
    string State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ModelVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? FetchingVersion,
    int OutboxDepth,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LastRefusal);

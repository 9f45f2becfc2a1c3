using System.Text.Json.Serialization;

namespace Pipeline.Runner.Devices;

/// <summary>One row of `pipeline devices list --json`: an identity without its password hash.</summary>
internal sealed record IdentityListing(string Name, string Role, string? Site, string? DeviceId, string? Task, bool SecretHere);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<IdentityListing>))]
internal sealed partial class DevicesJsonContext : JsonSerializerContext;

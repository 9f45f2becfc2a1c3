using System.Text.Json.Serialization;

namespace Pipeline.Hosting.Access;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<Identity>))]
internal sealed partial class AccessJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace Pipeline.Protocol;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SessionLabel))]
[JsonSerializable(typeof(DeviceStatus))]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(Prediction))]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;

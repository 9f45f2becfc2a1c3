using System.Text.Json.Serialization;

namespace Pipeline.Trainer.Registry;

[JsonSerializable(typeof(RecordedDecision))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true)]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace Pipeline.Trainer.Checkpoints;

[JsonSerializable(typeof(CheckpointHeader))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace Pipeline.Trainer.Reporting;

[JsonSerializable(typeof(ReportMetrics))]
[JsonSerializable(typeof(ModelCard))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

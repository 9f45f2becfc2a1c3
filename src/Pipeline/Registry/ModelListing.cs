using System.Text.Json.Serialization;

namespace Pipeline.Runner.Registry;

/// <summary>One row of `pipeline models list --json`: a stored version, whole (its manifest's facts) or with its problem.</summary>
internal sealed record ModelListing(
    string Task,
    int Version,
    bool Current,
    string? Architecture,
    string? Schedule,
    double? Accuracy,
    double? MacroF1,
    int? HeldOutExamples,
    double? ConcentrationMae,
    long? SizeBytes,
    string? Created,
    string? Problem);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ModelListing>))]
[JsonSerializable(typeof(IReadOnlyList<Rollout>))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
internal sealed partial class ModelsJsonContext : JsonSerializerContext
{
    /// <summary>For `show`: a manifest a person reads.</summary>
    public static ModelsJsonContext Indented { get; } = new(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
}

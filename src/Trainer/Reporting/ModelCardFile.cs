using System.Text.Json;

namespace Pipeline.Trainer.Reporting;

/// <summary>model-card.json: the one writer and the one reader of a version's model card.</summary>
public static class ModelCardFile
{
    public const string FileName = "model-card.json";

    public static void Write(string folder, ModelCard card) =>
        File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(card, ReportJsonContext.Default.ModelCard));

    /// <summary>The card in <paramref name="folder"/>, or null when there is none or it does not parse (a version stored before cards existed).</summary>
    public static ModelCard? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ReportJsonContext.Default.ModelCard) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

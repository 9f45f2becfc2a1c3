using System.Globalization;
using System.Text;

namespace Pipeline.Runner.Explain;

/// <summary>
/// explanations.csv beside the PNGs: one row per explained input, with its PNG, where it came from, its label when
/// known, the model's answer and the class the map explains. Every field is quoted, so a file name with a comma stays one field.
/// </summary>
internal sealed class ExplanationIndex
{
    public const string FileName = "explanations.csv";

    private readonly StringBuilder _csv = new("file,source,label,predicted,confidence,explained\n");

    public int Count { get; private set; }

    public void Add(string file, string source, string? label, string predicted, float confidence, string explained)
    {
        _csv.AppendJoin(',', Quote(file), Quote(source), Quote(label ?? ""), Quote(predicted), Quote(confidence.ToString("0.0000", CultureInfo.InvariantCulture)), Quote(explained)).Append('\n');
        Count++;
    }

    public void Write(string folder) => File.WriteAllText(Path.Combine(folder, FileName), _csv.ToString());

    private static string Quote(string field) => $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}

using System.Text.Json;

namespace Pipeline.Storage.Influx;

/// <summary>One series (or one chunk of it) from a /query answer: its tags, its columns and its rows of values.</summary>
internal sealed record InfluxSeries(string Name, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Columns, JsonElement Values)
{
    public IEnumerable<JsonElement> Rows => Values.ValueKind == JsonValueKind.Array ? Values.EnumerateArray() : [];

    public int Column(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == name)
            {
                return i;
            }
        }

        throw new InvalidDataException($"InfluxDB series {Name} has no column \"{name}\" (columns: {string.Join(", ", Columns)})");
    }

    /// <summary>The column's index, or -1 when the series does not have it (a field never written in it).</summary>
    public int OptionalColumn(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    public string Tag(string name) =>
        Tags.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"InfluxDB series {Name} has no tag \"{name}\"");
}

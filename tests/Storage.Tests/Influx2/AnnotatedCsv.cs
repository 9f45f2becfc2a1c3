using System.Globalization;
using System.Text;

namespace Pipeline.Storage.Tests.Influx2;

/// <summary>
/// Builds Flux answers the way InfluxDB 2.x writes them: per table the #datatype, #group and #default annotation rows, a
/// header starting with the empty annotation column, "result" and "table", then the rows; tables separated by a blank line.
/// </summary>
internal sealed class AnnotatedCsv
{
    private readonly StringBuilder _text = new();
    private int _tables;

    /// <summary>Starts a table with (name, Flux data type) columns after "result" and "table".</summary>
    public AnnotatedCsv Table(string result, IReadOnlyList<(string Name, string Type)> columns, params object?[][] rows)
    {
        if (_tables > 0)
        {
            _text.Append("\r\n");
        }

        _text.Append("#datatype,string,long,").AppendJoin(',', columns.Select(c => c.Type)).Append("\r\n");
        _text.Append("#group,false,false,").AppendJoin(',', columns.Select(_ => "false")).Append("\r\n");
        _text.Append("#default,").Append(result).Append(",,").AppendJoin(',', columns.Select(_ => "")).Append("\r\n");
        _text.Append(",result,table,").AppendJoin(',', columns.Select(c => c.Name)).Append("\r\n");
        foreach (var row in rows)
        {
            _text.Append(",,").Append(_tables.ToString(CultureInfo.InvariantCulture)).Append(',').AppendJoin(',', row.Select(Format)).Append("\r\n");
        }

        _tables++;
        return this;
    }

    public override string ToString() => _text.ToString() + "\r\n";

    /// <summary>An RFC 3339 time with microseconds, as Flux prints a dateTime:RFC3339 column.</summary>
    public static string Time(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        string s when s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) => $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

using System.Globalization;
using System.Text;

namespace Pipeline.Storage.Influx2;

/// <summary>
/// Literals for Flux query text. Every value that comes from outside (device ids, task names, bucket names) goes into a
/// query only through <see cref="String"/>, so it can never end the literal or start an interpolation.
/// </summary>
internal static class FluxLiterals
{
    /// <summary>A double-quoted Flux string: backslash, double quote and "${" (interpolation) escaped, line breaks and tabs as escapes.</summary>
    public static string String(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\' or '"':
                    text.Append('\\').Append(c);
                    break;
                case '$' when i + 1 < value.Length && value[i + 1] == '{':
                    text.Append("\\$");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>A Flux time from microseconds since the Unix epoch: <c>time(v: NANOSECONDS)</c>, exact where an RFC 3339 text would need formatting.</summary>
    public static string Time(long micros) => string.Create(CultureInfo.InvariantCulture, $"time(v: {checked(micros * 1000)})");
}

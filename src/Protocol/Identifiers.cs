using System.Text;

namespace Pipeline.Protocol;

/// <summary>
/// Site, device and task identifiers appear in MQTT topics and file names, so they are restricted to a
/// safe alphabet: no '/', '+', '#', no spaces, nothing that could escape a folder.
/// </summary>
public static class Identifiers
{
    public const int MaxLength = 64;
    public const string Rule = "1 to 64 characters from A-Z a-z 0-9 '-' '_' '.', not starting with '.'";

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || value[0] == '.')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    public static string Require(string? value, string field) =>
        IsValid(value) ? value! : throw new ArgumentException($"{field} \"{value}\" is not a valid identifier ({Rule})", field);

    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes[..Math.Min(bytes.Length, MaxLength)])
        {
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return builder.ToString();
    }
}

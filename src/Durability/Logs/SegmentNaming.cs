using System.Globalization;

namespace Pipeline.Durability.Logs;

/// <summary>
/// How a segmented log names its files: <see cref="Prefix"/>, the segment's number in 12 digits, <see cref="Extension"/>
/// ("spill-000000000003.seg"); numbering starts at <see cref="FirstNumber"/>. Other files in the folder are left alone.
/// </summary>
public sealed record SegmentNaming(string Prefix, string Extension, long FirstNumber)
{
    public string PathOf(string folder, long number) =>
        Path.Combine(folder, Prefix + number.ToString("D12", CultureInfo.InvariantCulture) + Extension);

    /// <summary>The numbers of the segments in <paramref name="folder"/>, in order.</summary>
    public List<long> Find(string folder) =>
        [.. Directory.EnumerateFiles(folder, Prefix + "*" + Extension)
            .Select(Path.GetFileName)
            .Select(name => name!.Length > Prefix.Length + Extension.Length
                && long.TryParse(name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Extension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    ? number
                    : -1)
            .Where(number => number >= FirstNumber)
            .Order()];
}

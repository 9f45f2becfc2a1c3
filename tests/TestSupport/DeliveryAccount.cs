using System.Globalization;
using System.Text;
using Xunit;

namespace Pipeline.TestSupport;

/// <summary>
/// The fault suite's bookkeeping: for each stream, every sample sent (by a key unique within the stream, such as its
/// timestamp) against every sample the store holds. Prints one table (sent, stored, lost, duplicated) and fails on any
/// loss or duplicate, so a scenario says exactly what went missing instead of only that a count was off.
/// </summary>
public sealed class DeliveryAccount(string scenario)
{
    private readonly List<(string Stream, long Sent, long Stored, long Lost, long Duplicated)> _rows = [];

    public void Add(string stream, IReadOnlyCollection<long> sent, IReadOnlyCollection<long> stored)
    {
        var sentSet = sent.ToHashSet();
        var storedDistinct = stored.ToHashSet();
        var lost = sentSet.Count(key => !storedDistinct.Contains(key));
        var duplicated = stored.Count - storedDistinct.Count;
        _rows.Add((stream, sentSet.Count, stored.Count, lost, duplicated));
    }

    public long Lost => _rows.Sum(r => r.Lost);

    public long Duplicated => _rows.Sum(r => r.Duplicated);

    public string Table()
    {
        var text = new StringBuilder().AppendLine(scenario);
        text.AppendLine(CultureInfo.InvariantCulture, $"{"stream",-24} {"sent",10} {"stored",10} {"lost",8} {"duplicated",10}");
        foreach (var (stream, sent, stored, lost, duplicated) in _rows.Append(("total", _rows.Sum(r => r.Sent), _rows.Sum(r => r.Stored), Lost, Duplicated)))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{stream,-24} {sent,10} {stored,10} {lost,8} {duplicated,10}");
        }

        return text.ToString();
    }

    /// <summary>Writes the table to <paramref name="write"/> and fails if anything was lost or duplicated.</summary>
    public void AssertNothingLostOrDuplicated(Action<string> write)
    {
        var table = Table();
        write(table);
        Assert.True(Lost == 0 && Duplicated == 0, $"samples lost or duplicated:\n{table}");
    }
}

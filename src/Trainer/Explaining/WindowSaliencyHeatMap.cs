using System.Globalization;
using Pipeline.Models.Explaining;
using ScottPlot;

namespace Pipeline.Trainer.Explaining;

/// <summary>
/// A window input's saliency map as a PNG heat map: one row per channel, one column per sample, red where the values
/// pushed towards the explained class and blue where they pushed away (a scale symmetric about zero); each row is
/// labelled with its channel and that channel's share of the map's total magnitude.
/// </summary>
internal static class WindowSaliencyHeatMap
{
    private const int Width = 1000;
    private const int RowHeight = 40;
    private const int Margins = 160;

    public static void Write(string path, SaliencyMap map, IReadOnlyList<string> channelNames, string title)
    {
        if (map.Shape is not [var channels, var samples] || channelNames.Count != channels)
        {
            throw new ArgumentException($"a window heat map needs a [channels × samples] map and a name per channel; the map is [{string.Join(" × ", map.Shape)}] with {channelNames.Count} names", nameof(map));
        }

        var values = new double[channels, samples];
        for (var c = 0; c < channels; c++)
        {
            for (var s = 0; s < samples; s++)
            {
                values[c, s] = map.Values[(c * samples) + s];
            }
        }

        var largest = map.Values.Length == 0 ? 0 : map.Values.Max(Math.Abs);
        var shares = map.ChannelShares();
        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        heatmap.ManualRange = new ScottPlot.Range(-Math.Max(largest, 1e-12), Math.Max(largest, 1e-12));
        plot.Add.ColorBar(heatmap);

        // Heatmap rows are drawn top to bottom from row 0, at y = rows − 1 − row.
        var ticks = Enumerable.Range(0, channels).Select(c => (double)(channels - 1 - c)).ToArray();
        plot.Axes.Left.SetTicks(ticks, [.. Enumerable.Range(0, channels).Select(c => string.Create(CultureInfo.InvariantCulture, $"{channelNames[c]} {shares[c]:P0}"))]);
        plot.Title(title);
        plot.XLabel("sample in the window");
        plot.SavePng(path, Width, Margins + (RowHeight * channels));
    }
}

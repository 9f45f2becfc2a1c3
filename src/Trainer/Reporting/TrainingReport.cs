using System.Text.Json;
using ScottPlot;

namespace Pipeline.Trainer.Reporting;

/// <summary>
/// Writes a finished run's report into a folder: loss.png and accuracy.png (per-epoch curves), confusion.csv and
/// confusion.png (held out, rows true, columns predicted) and metrics.json.
/// </summary>
public static class TrainingReport
{
    public const string LossChart = "loss.png";
    public const string AccuracyChart = "accuracy.png";
    public const string ConfusionCsv = "confusion.csv";
    public const string ConfusionChart = "confusion.png";
    public const string MetricsFile = "metrics.json";

    private const int Width = 800;
    private const int Height = 500;

    /// <summary>metrics.json in <paramref name="folder"/>, or null when there is none or it does not parse.</summary>
    public static ReportMetrics? ReadMetrics(string folder)
    {
        var path = Path.Combine(folder, MetricsFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ReportJsonContext.Default.ReportMetrics) : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>confusion.csv in <paramref name="folder"/>, or null when there is none or it does not parse.</summary>
    public static ConfusionMatrix? ReadConfusion(string folder)
    {
        var path = Path.Combine(folder, ConfusionCsv);
        try
        {
            return File.Exists(path) ? ConfusionMatrix.ParseCsv(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            return null;
        }
    }

    public static void Write(string folder, ReportMetrics metrics, ConfusionMatrix confusion)
    {
        Directory.CreateDirectory(folder);
        var epochs = metrics.Epochs.Select(e => e.Epoch + 1.0).ToArray();
        using (var loss = new Plot())
        {
            loss.Add.Scatter(epochs, metrics.Epochs.Select(e => e.Loss).ToArray()).LegendText = "training loss";
            Label(loss, $"{metrics.Model}, {metrics.Schedule}: loss", "loss");
            loss.SavePng(Path.Combine(folder, LossChart), Width, Height);
        }

        using (var accuracy = new Plot())
        {
            accuracy.Add.Scatter(epochs, metrics.Epochs.Select(e => e.TrainAccuracy * 100).ToArray()).LegendText = "training";
            var heldOut = metrics.Epochs.Where(e => e.HeldOutAccuracy is not null).ToArray();
            if (heldOut.Length > 0)
            {
                accuracy.Add.Scatter(heldOut.Select(e => e.Epoch + 1.0).ToArray(), heldOut.Select(e => e.HeldOutAccuracy!.Value * 100).ToArray()).LegendText = "held out";
            }

            Label(accuracy, $"{metrics.Model}, {metrics.Schedule}: accuracy", "accuracy (%)");
            accuracy.Axes.SetLimitsY(0, 100);
            accuracy.SavePng(Path.Combine(folder, AccuracyChart), Width, Height);
        }

        File.WriteAllText(Path.Combine(folder, ConfusionCsv), confusion.ToCsv());
        WriteConfusionChart(Path.Combine(folder, ConfusionChart), confusion);
        File.WriteAllText(Path.Combine(folder, MetricsFile), JsonSerializer.Serialize(metrics, ReportJsonContext.Default.ReportMetrics));
    }

    private static void Label(Plot plot, string title, string yLabel)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static void WriteConfusionChart(string path, ConfusionMatrix confusion)
    {
        var n = confusion.Classes.Count;
        var counts = new double[n, n];
        for (var truth = 0; truth < n; truth++)
        {
            for (var predicted = 0; predicted < n; predicted++)
            {
                counts[truth, predicted] = confusion[truth, predicted];
            }
        }

        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(counts);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        for (var truth = 0; truth < n; truth++)
        {
            for (var predicted = 0; predicted < n; predicted++)
            {
                // Heatmap rows are drawn top to bottom from row 0, at y = n − 1 − row.
                var text = plot.Add.Text(confusion[truth, predicted].ToString(System.Globalization.CultureInfo.InvariantCulture), predicted, n - 1 - truth);
                text.LabelFontColor = Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
            }
        }

        var ticks = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, [.. confusion.Classes]);
        plot.Axes.Left.SetTicks(ticks, [.. confusion.Classes.Reverse()]);
        plot.Title($"confusion on {confusion.Total} held-out examples");
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.SavePng(path, Math.Max(Width, 60 * n + 200), Math.Max(Height, 60 * n + 150));
    }
}

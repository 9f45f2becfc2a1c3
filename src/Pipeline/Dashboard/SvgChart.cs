using System.Globalization;
using System.Net;
using System.Text;
using Pipeline.Trainer.Reporting;

namespace Pipeline.Runner.Dashboard;

/// <summary>
/// Charts drawn on the server as inline SVG, so the page needs no script library and no network: line charts for
/// per-epoch curves, a heat map for a confusion matrix. Every chart carries the class "chart".
/// </summary>
internal static class SvgChart
{
    private const int Width = 360;
    private const int Height = 200;
    private const int Left = 44;
    private const int Right = 8;
    private const int Top = 22;
    private const int Bottom = 26;

    /// <summary>One line of a chart: its legend and colour, and its points in order of x.</summary>
    public sealed record Series(string Name, string Colour, IReadOnlyList<(double X, double Y)> Points);

    /// <summary>A line chart of <paramref name="series"/>; the y axis spans <paramref name="yMin"/>..<paramref name="yMax"/>, or the data when null.</summary>
    public static string Lines(string title, string xLabel, IReadOnlyList<Series> series, double? yMin = null, double? yMax = null)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        var svg = Open(title);
        if (points.Count == 0)
        {
            svg.Append(Text(Width / 2.0, Height / 2.0, "no data yet", "middle"));
            return svg.Append("</svg>").ToString();
        }

        var (x0, x1) = (points.Min(p => p.X), points.Max(p => p.X));
        var (y0, y1) = (yMin ?? points.Min(p => p.Y), yMax ?? points.Max(p => p.Y));
        if (x1 <= x0)
        {
            x1 = x0 + 1;
        }

        if (y1 <= y0)
        {
            y1 = y0 + 1;
        }

        double Px(double x) => Left + (x - x0) / (x1 - x0) * (Width - Left - Right);
        double Py(double y) => Height - Bottom - (y - y0) / (y1 - y0) * (Height - Top - Bottom);
        svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#bbb\"/>"));
        svg.Append(Text(Left - 4, Py(y1) + 4, Number(y1), "end")).Append(Text(Left - 4, Py(y0), Number(y0), "end"));
        svg.Append(Text(Px(x0), Height - Bottom + 14, Number(x0), "start")).Append(Text(Px(x1), Height - Bottom + 14, Number(x1), "end"));
        svg.Append(Text((Left + Width - Right) / 2.0, Height - 4, xLabel, "middle"));
        var legendX = Left + 6.0;
        foreach (var line in series.Where(s => s.Points.Count > 0))
        {
            var path = string.Join(' ', line.Points.Select(p => Invariant($"{Px(p.X):0.#},{Py(p.Y):0.#}")));
            svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{line.Colour}\" stroke-width=\"2\" points=\"{path}\"/>"));
            foreach (var p in line.Points.Count == 1 ? line.Points : [])
            {
                svg.Append(Invariant($"<circle cx=\"{Px(p.X):0.#}\" cy=\"{Py(p.Y):0.#}\" r=\"3\" fill=\"{line.Colour}\"/>"));
            }

            svg.Append(Invariant($"<rect x=\"{legendX:0.#}\" y=\"{Top + 6}\" width=\"10\" height=\"3\" fill=\"{line.Colour}\"/>"));
            svg.Append(Text(legendX + 14, Top + 11, line.Name, "start"));
            legendX += 20 + line.Name.Length * 6.5;
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>A held-out confusion matrix as a heat map: rows true class, columns predicted, each cell's count written in it.</summary>
    public static string Confusion(string title, ConfusionMatrix confusion)
    {
        var n = confusion.Classes.Count;
        var cell = Math.Max(14, Math.Min(36, 300 / Math.Max(n, 1)));
        var labelWidth = 8 + confusion.Classes.Max(c => Math.Min(c.Length, 18)) * 6;
        var width = labelWidth + n * cell + 8;
        var height = Top + n * cell + 8;
        var max = Math.Max(1, Enumerable.Range(0, n).SelectMany(t => Enumerable.Range(0, n).Select(p => confusion[t, p])).Max());
        var svg = new StringBuilder(Invariant($"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">"));
        svg.Append("<title>").Append(Encode(title)).Append("</title>");
        svg.Append(Text(4, 14, title, "start"));
        for (var truth = 0; truth < n; truth++)
        {
            var name = confusion.Classes[truth];
            svg.Append(Text(labelWidth - 4, Top + truth * cell + cell / 2.0 + 4, name.Length > 18 ? name[..18] : name, "end"));
            for (var predicted = 0; predicted < n; predicted++)
            {
                var count = confusion[truth, predicted];
                var shade = 255 - (int)(200.0 * count / max);
                var colour = truth == predicted ? Invariant($"rgb({shade},{255},{shade})") : Invariant($"rgb(255,{shade},{shade})");
                var (x, y) = (labelWidth + predicted * cell, Top + truth * cell);
                svg.Append(Invariant($"<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{colour}\" stroke=\"#ddd\"><title>true {Encode(name)}, predicted {Encode(confusion.Classes[predicted])}: {count}</title></rect>"));
                if (count > 0 && cell >= 18)
                {
                    svg.Append(Text(x + cell / 2.0, y + cell / 2.0 + 4, count.ToString(CultureInfo.InvariantCulture), "middle"));
                }
            }
        }

        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Open(string title) =>
        new StringBuilder(Invariant($"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\">"))
            .Append("<title>").Append(Encode(title)).Append("</title>")
            .Append(Text(4, 14, title, "start"));

    private static string Text(double x, double y, string text, string anchor) =>
        Invariant($"<text x=\"{x:0.#}\" y=\"{y:0.#}\" font-size=\"11\" text-anchor=\"{anchor}\">{Encode(text)}</text>");

    private static string Number(double value) => value.ToString(Math.Abs(value) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

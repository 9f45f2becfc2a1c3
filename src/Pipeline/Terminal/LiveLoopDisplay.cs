using System.Globalization;
using Pipeline.Protocol;
using Pipeline.Runner.Observing;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Runner.Terminal;

/// <summary>
/// The live display of `pipeline up` in a terminal, redrawn in place twice a second from a <see cref="FleetPicture"/>:
/// the round under way with an epoch bar, ingest rates, the devices and their models, the latest rounds, and the newest
/// progress lines. Used only in <see cref="ConsoleMode.Live"/>.
/// </summary>
internal static class LiveLoopDisplay
{
    private static readonly TimeSpan Redraw = TimeSpan.FromMilliseconds(500);

    public static Task RunAsync(Func<FleetPicture> picture, RecentLines lines, CancellationToken cancellationToken) =>
        AnsiConsole.Live(new Text("starting…")).AutoClear(false).StartAsync(async context =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                context.UpdateTarget(Render(picture(), lines.Lines));
                context.Refresh();
                await Task.Delay(Redraw, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            context.UpdateTarget(Render(picture(), lines.Lines));
            context.Refresh();
        });

    /// <summary>The display for one picture.</summary>
    public static IRenderable Render(FleetPicture picture, IReadOnlyList<string> lines)
    {
        var parts = new List<IRenderable> { Training(picture) };
        if (picture.Ingest is { } ingest)
        {
            parts.Add(new Markup(Markup.Escape("ingest: " + string.Join(", ", ingest.Streams.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Stream} {s.ReceivedPerSecond:0}/s ({s.Stored} stored)")))
                + string.Create(CultureInfo.InvariantCulture, $"; store write p99 {ingest.WriteLatency.P99Ms ?? 0:0.0} ms; quarantined {ingest.QuarantinedByReason.Values.Sum()}"))));
        }

        var devices = new Table().Border(TableBorder.Simple).AddColumns("device", "task", "state", "model", "outbox", "live accuracy");
        foreach (var device in picture.Devices)
        {
            var s = device.Status;
            var live = picture.Live.FirstOrDefault(l => l.Task == s.Task && l.Version == s.ModelVersion);
            devices.AddRow(Cell(s.DeviceId), Cell(s.Task), Cell(s.State == DeviceState.Online ? "online" : "offline"),
                Cell(s.ModelVersion is { } v ? $"v{v}" + (s.FetchingVersion is { } f ? $" (fetching v{f})" : "") : "none"),
                Cell(s.OutboxDepth.ToString(CultureInfo.InvariantCulture)),
                Cell(live?.Accuracy is { } a ? string.Create(CultureInfo.InvariantCulture, $"{a:P0} of {live.Labelled}") : ""));
        }

        parts.Add(devices);
        foreach (var round in picture.Rounds.TakeLast(4))
        {
            parts.Add(new Text(round.Failure is { } failure
                ? $"round {round.Round} {round.Task}: failed ({failure})"
                : string.Create(CultureInfo.InvariantCulture, $"round {round.Round} {round.Task}: {round.Accuracy:P1} held out on {round.HeldOutExamples}, ")
                    + (round.Version is { } v ? $"published v{v}" : "not better; kept the current model")));
        }

        parts.AddRange(lines.Select(line => new Text(line, new Style(Color.Grey))));
        return new Rows(parts);
    }

    private static Text Training(FleetPicture picture)
    {
        if (picture.Training is not { } round)
        {
            return new Text("training: waiting for enough labelled data");
        }

        var epoch = round.Epochs[^1];
        const int width = 30;
        var done = (int)Math.Round(width * (epoch.Epoch + 1.0) / Math.Max(1, epoch.Epochs));
        var bar = new string('█', done) + new string('░', width - done);
        return new Text(string.Create(CultureInfo.InvariantCulture,
            $"round {round.Round} {round.Task} {bar} epoch {epoch.Epoch + 1}/{epoch.Epochs}  loss {epoch.Loss:0.000}  train {epoch.TrainAccuracy:P0}")
            + (epoch.HeldOutAccuracy is { } h ? string.Create(CultureInfo.InvariantCulture, $"  held out {h:P0}") : "")
            + string.Create(CultureInfo.InvariantCulture, $"  {epoch.SamplesPerSecond:0} samples/s"));
    }

    private static Text Cell(string text) => new(text);
}

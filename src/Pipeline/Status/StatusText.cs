using System.Globalization;
using System.Text;

namespace Pipeline.Runner.Status;

/// <summary>`pipeline status` for a terminal: the same report as `--json`, as short aligned lines.</summary>
internal static class StatusText
{
    public static string Render(StatusReport report)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Line($"broker {report.Broker}, {report.At:yyyy-MM-dd HH:mm:ss} UTC");
        Line($"devices ({report.Devices.Count})");
        foreach (var d in report.Devices)
        {
            Line($"  {d.Id,-12} {d.Task,-8} {d.State,-8} model {Version(d.ModelVersion),-5} outbox {d.OutboxDepth,-6}{(d.FetchingVersion is { } f ? $" fetching v{f}" : "")}{(d.LastRefusal is { } r ? $" last refusal {r}" : "")}");
        }

        Line($"versions");
        foreach (var v in report.Versions)
        {
            var marks = string.Join(", ", new[] { v.Current ? "current" : null, v.Announced ? "announced" : null }.OfType<string>());
            Line($"  {v.Task,-8} v{v.Version,-4} {marks,-19} held out {Percent(v.HeldOutAccuracy),-8} devices {(v.Devices.Count == 0 ? "none" : string.Join(", ", v.Devices))}");
        }

        var rates = report.Rates;
        Line($"rates over {rates.WindowSeconds:0.0} s: motion samples/s {Number(rates.MotionSamplesPerSecond)}, frames/s {Number(rates.FramesPerSecond)}, labels/s {Number(rates.LabelsPerSecond)}, predictions/s {rates.PredictionsPerSecond:0.0}");
        if (report.Store is { } store)
        {
            Line($"store: {store.MotionSamples} motion samples, {store.Frames} frames, {store.Labels} labels");
        }

        foreach (var live in report.LiveAccuracy)
        {
            Line($"live accuracy {live.Task} v{live.Version}: {Percent(live.Accuracy)} of {live.Labelled} labelled predictions ({live.Predictions} in all) during the window");
        }

        foreach (var decision in report.LastDecisions)
        {
            Line($"last round {decision.Task}: {decision.Candidate} {(decision.Blessed ? "blessed" : "not blessed")} at {decision.Created}; {decision.Reason}");
        }

        foreach (var missing in report.Unavailable)
        {
            Line($"not available: {missing}");
        }

        return text.ToString();
    }

    private static string Version(int? version) => version is { } v ? $"v{v}" : "none";

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "n/a";

    private static string Number(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
}

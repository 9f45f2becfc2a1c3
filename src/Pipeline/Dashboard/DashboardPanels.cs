using System.Globalization;
using System.Net;
using System.Text;
using Pipeline.Protocol;
using Pipeline.Runner.Observing;
using Pipeline.Trainer.Reporting;

namespace Pipeline.Runner.Dashboard;

/// <summary>
/// Renders a <see cref="FleetPicture"/> as the dashboard's panels (HTML with inline SVG charts): fleet, live against
/// held-out accuracy, ingest, training, blessing decisions and models. The page shows it on load and replaces it with
/// each update its event stream sends.
/// </summary>
internal static class DashboardPanels
{
    private const int VersionsShown = 4;

    public static string Render(FleetPicture picture)
    {
        var html = new StringBuilder();
        html.Append("<p class=\"source\">").Append(E(picture.Source)).Append(", updated ").Append(E(picture.At.ToString("HH:mm:ss", CultureInfo.InvariantCulture))).Append(" UTC</p>");
        if (picture.Unavailable.Count > 0)
        {
            html.Append("<div class=\"unavailable\"><b>Not available from this source:</b><ul>");
            foreach (var missing in picture.Unavailable)
            {
                html.Append("<li>").Append(E(missing)).Append("</li>");
            }

            html.Append("</ul></div>");
        }

        Fleet(html, picture);
        LiveAccuracy(html, picture);
        Ingest(html, picture);
        Training(html, picture);
        Decisions(html, picture);
        Models(html, picture);
        return html.ToString();
    }

    private static void Fleet(StringBuilder html, FleetPicture picture)
    {
        html.Append("<section id=\"fleet\"><h2>Fleet</h2>");
        if (picture.Devices.Count == 0)
        {
            html.Append("<p>No device has published its status yet.</p></section>");
            return;
        }

        html.Append("<table><tr><th>device</th><th>task</th><th>state</th><th>model</th><th>fetching</th><th>outbox</th><th>last heard (UTC)</th><th>last refusal</th></tr>");
        foreach (var device in picture.Devices)
        {
            var s = device.Status;
            html.Append(Invariant($"<tr class=\"device\" data-device=\"{E(s.DeviceId)}\"><td>{E(s.DeviceId)}</td><td>{E(s.Task)}</td><td class=\"{(s.State == DeviceState.Online ? "ok" : "bad")}\">{s.State.ToString().ToLowerInvariant()}</td>"))
                .Append(Invariant($"<td>{Version(s.ModelVersion)}</td><td>{Version(s.FetchingVersion)}</td><td>{s.OutboxDepth}</td>"))
                .Append(Invariant($"<td>{(device.LastHeard is { } heard ? heard.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "before this view started")}</td>"))
                .Append(Invariant($"<td>{(s.LastRefusal is { } refusal ? $"{Version(refusal.Version)}: {E(refusal.Reason)}" : "")}</td></tr>"));
        }

        html.Append("</table></section>");
    }

    private static void LiveAccuracy(StringBuilder html, FleetPicture picture)
    {
        html.Append("<section id=\"live\"><h2>Live accuracy per model version</h2>");
        if (picture.Live.Count == 0)
        {
            html.Append("<p>No predictions seen yet.</p></section>");
            return;
        }

        html.Append("<table><tr><th>task</th><th>version</th><th>predictions</th><th>with true class</th><th>live accuracy</th><th>held-out accuracy</th></tr>");
        foreach (var live in picture.Live)
        {
            var heldOut = HeldOutAccuracy(picture, live.Task, live.Version);
            html.Append(Invariant($"<tr><td>{E(live.Task)}</td><td>v{live.Version}</td><td>{live.Predictions}</td><td>{live.Labelled}</td><td>{Percent(live.Accuracy)}</td><td>{Percent(heldOut)}</td></tr>"));
        }

        html.Append("</table><p class=\"note\">Live: the devices' predictions that carried the true class, counted since this view started. Held out: the version's accuracy on its round's held-out sessions.</p></section>");
    }

    private static void Ingest(StringBuilder html, FleetPicture picture)
    {
        html.Append("<section id=\"ingest\"><h2>Ingest</h2>");
        if (picture.Ingest is { } ingest)
        {
            html.Append("<table><tr><th>stream</th><th>received</th><th>stored as new</th><th>received / s</th></tr>");
            foreach (var stream in ingest.Streams)
            {
                html.Append(Invariant($"<tr><td>{E(stream.Stream)}</td><td>{stream.Received}</td><td>{stream.Stored}</td><td>{stream.ReceivedPerSecond:0.0}</td></tr>"));
            }

            html.Append("</table><p>Queues: ")
                .Append(ingest.Queues.Count == 0 ? "none reported" : string.Join(", ", ingest.Queues.Select(q => Invariant($"{E(q.Queue)} {q.Depth}"))))
                .Append(Invariant($". Store writes: {ingest.WriteLatency.Writes}, latency median {Ms(ingest.WriteLatency.MedianMs)}, p99 {Ms(ingest.WriteLatency.P99Ms)} (latest writes).</p>"));
            if (ingest.QuarantinedByReason.Count > 0)
            {
                html.Append("<p>Quarantined since start: ").Append(string.Join(", ", ingest.QuarantinedByReason.Select(q => Invariant($"{E(q.Key)} {q.Value}")))).Append("</p>");
            }
        }

        if (picture.Quarantine.Count == 0)
        {
            html.Append("<p>No quarantined messages among the newest in the quarantine file.</p>");
        }
        else
        {
            html.Append("<h3>Quarantine (newest lines of the file)</h3><table><tr><th>reason</th><th>count</th><th>latest (UTC)</th><th>topic</th><th>why</th><th>bytes</th></tr>");
            foreach (var reason in picture.Quarantine)
            {
                var latest = reason.Latest;
                html.Append(Invariant($"<tr><td>{E(reason.Code)}</td><td>{reason.Count}</td><td>{E(latest.Time)}</td><td>{E(latest.Topic)}</td><td>{E(latest.Reason)}</td><td>{latest.PayloadBytes}</td></tr>"));
            }

            html.Append("</table>");
        }

        html.Append("</section>");
    }

    private static void Training(StringBuilder html, FleetPicture picture)
    {
        html.Append("<section id=\"training\"><h2>Training</h2>");
        if (picture.Training is { } round)
        {
            var last = round.Epochs[^1];
            html.Append(Invariant($"<p>Round {round.Round}, {E(round.Task)}: epoch {last.Epoch + 1} of {last.Epochs}{(round.Finished ? ", finished" : "")} "))
                .Append(Invariant($"<progress max=\"{last.Epochs}\" value=\"{last.Epoch + 1}\"></progress> {last.SamplesPerSecond:0} samples/s</p>"));
            html.Append("<div class=\"charts\">").Append(Curves($"round {round.Round} {round.Task}", round.Epochs)).Append("</div>");
        }
        else
        {
            html.Append("<p>No epoch has finished since this view started.</p>");
        }

        if (picture.Rounds.Count > 0)
        {
            html.Append("<table><tr><th>round</th><th>task</th><th>train examples</th><th>held out</th><th>accuracy</th><th>macro F1</th><th>seconds</th><th>outcome</th></tr>");
            foreach (var r in picture.Rounds.TakeLast(12).Reverse())
            {
                var outcome = r.Failure ?? (r.Version is { } v ? $"blessed as v{v}" : $"not blessed (rejected/{r.RejectedAs})");
                html.Append(Invariant($"<tr><td>{r.Round}</td><td>{E(r.Task)}</td><td>{r.TrainExamples}</td><td>{r.HeldOutExamples}</td><td>{Percent(r.Failure is null ? r.Accuracy : null)}</td>"))
                    .Append(Invariant($"<td>{(r.Failure is null ? r.MacroF1.ToString("0.000", CultureInfo.InvariantCulture) : "")}</td><td>{r.Duration.TotalSeconds:0.0}</td><td>{E(outcome)}</td></tr>"));
            }

            html.Append("</table>");
        }

        html.Append("</section>");
    }

    private static void Decisions(StringBuilder html, FleetPicture picture)
    {
        var cards = picture.Models.SelectMany(t => t.Versions.Where(v => v.Card is not null).Select(v => (Name: $"v{v.Version}", Card: v.Card!))
                .Concat(t.Rejected.Where(r => r.Card is not null).Select(r => (Name: $"rejected/{r.Name}", Card: r.Card!))))
            .OrderByDescending(c => c.Card.CreatedAt, StringComparer.Ordinal)
            .Take(12)
            .ToList();
        html.Append("<section id=\"decisions\"><h2>Blessing decisions</h2>");
        if (cards.Count == 0)
        {
            html.Append("<p>No candidate has been judged yet (or the registry is not available).</p></section>");
            return;
        }

        html.Append("<table><tr><th>task</th><th>candidate</th><th>created (UTC)</th><th>metric</th><th>candidate</th><th>current model</th><th>current on the same held-out data</th><th>blessed</th><th>why</th></tr>");
        foreach (var (name, card) in cards)
        {
            var b = card.Blessing;
            html.Append(Invariant($"<tr><td>{E(card.Task)}</td><td>{E(name)}</td><td>{E(card.CreatedAt)}</td><td>{E(b.Metric)}</td><td>{b.CandidateScore:0.####}</td>"))
                .Append(Invariant($"<td>{Version(b.CurrentVersion)}</td><td>{(b.CurrentScoreOnSameData is { } s ? s.ToString("0.####", CultureInfo.InvariantCulture) : "")}</td>"))
                .Append(Invariant($"<td class=\"{(b.Blessed ? "ok" : "bad")}\">{(b.Blessed ? "yes" : "no")}</td><td>{E(b.Reason)}</td></tr>"));
        }

        html.Append("</table></section>");
    }

    private static void Models(StringBuilder html, FleetPicture picture)
    {
        html.Append("<section id=\"models\"><h2>Models</h2>");
        foreach (var manifest in picture.Announced)
        {
            html.Append(Invariant($"<p>{E(manifest.Task)}: the broker announces v{manifest.Version}{(manifest.Decision is { } d ? $" ({E(d.Kind)})" : "")}.</p>"));
        }

        foreach (var task in picture.Models.Where(t => t.Versions.Count > 0))
        {
            html.Append(Invariant($"<h3>{E(task.Task)}</h3><table><tr><th>version</th><th>architecture</th><th>schedule</th><th>held-out accuracy</th><th>held out</th><th>trained on</th><th>created (UTC)</th><th>devices on it</th></tr>"));
            foreach (var version in task.Versions.AsEnumerable().Reverse().Take(VersionsShown))
            {
                var devices = picture.Devices.Where(d => d.Status.Task == task.Task && d.Status.ModelVersion == version.Version).Select(d => d.Status.DeviceId);
                html.Append(Invariant($"<tr class=\"version\" data-task=\"{E(task.Task)}\" data-version=\"{version.Version}\"><td>v{version.Version}{(version.Version == task.Current ? " (current)" : "")}</td>"));
                if (version.Manifest is not { } m)
                {
                    html.Append(Invariant($"<td colspan=\"7\">damaged: {E(version.Problem ?? "")}</td></tr>"));
                    continue;
                }

                html.Append(Invariant($"<td>{E(m.Architecture)}</td><td>{E(m.Schedule)}</td><td>{Percent(m.Metrics.Accuracy)}</td><td>{m.Metrics.HeldOutExamples}</td>"))
                    .Append(Invariant($"<td>{(version.Card is { } c ? $"{c.Data.TrainExamples} examples from {c.Data.Sessions} sessions" : "")}</td><td>{E(version.Card?.CreatedAt ?? "")}</td><td>{E(string.Join(", ", devices))}</td></tr>"));
            }

            html.Append("</table>");
            var newest = task.Versions.LastOrDefault(v => v.Metrics is not null || v.Confusion is not null);
            if (newest is not null)
            {
                html.Append(Invariant($"<div class=\"charts\" data-task=\"{E(task.Task)}\">"));
                if (newest.Metrics is { } metrics)
                {
                    html.Append(Curves($"{task.Task} v{newest.Version}", metrics.Epochs));
                }

                if (newest.Confusion is { } confusion)
                {
                    html.Append(SvgChart.Confusion($"{task.Task} v{newest.Version}: held-out confusion (rows true)", confusion));
                }

                html.Append("</div><p class=\"note\">Charts and model card as files: ").Append(E(newest.Folder)).Append("</p>");
            }
        }

        html.Append("</section>");
    }

    private static string Curves(string title, IReadOnlyList<EpochProgress> epochs) =>
        SvgChart.Lines($"{title}: training loss", "epoch", [new("loss", "#c0392b", [.. epochs.Select(e => (e.Epoch + 1.0, e.Loss))])], yMin: 0)
        + SvgChart.Lines($"{title}: accuracy %", "epoch",
            [
                new("training", "#2471a3", [.. epochs.Select(e => (e.Epoch + 1.0, e.TrainAccuracy * 100))]),
                new("held out", "#229954", [.. epochs.Where(e => e.HeldOutAccuracy is not null).Select(e => (e.Epoch + 1.0, e.HeldOutAccuracy!.Value * 100))]),
            ],
            yMin: 0, yMax: 100);

    private static double? HeldOutAccuracy(FleetPicture picture, string task, int version) =>
        picture.Models.Where(t => t.Task == task).SelectMany(t => t.Versions).FirstOrDefault(v => v.Version == version)?.Manifest?.Metrics.Accuracy
        ?? picture.Announced.FirstOrDefault(m => m.Task == task && m.Version == version)?.Metrics.Accuracy;

    private static string Version(int? version) => version is { } v ? Invariant($"v{v}") : "";

    private static string Percent(double? value) => value is { } v && double.IsFinite(v) ? Invariant($"{v * 100:0.0} %") : "";

    private static string Ms(double? value) => value is { } v ? Invariant($"{v:0.0} ms") : "n/a";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

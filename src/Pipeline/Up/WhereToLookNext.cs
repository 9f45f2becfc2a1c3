using System.Text;

namespace Pipeline.Runner.Up;

/// <summary>The lines `pipeline up` ends with: where a person finds what the run produced, and how to see more.</summary>
internal static class WhereToLookNext
{
    public static string Describe(RunReport report, string reportPath, string? logPath)
    {
        var text = new StringBuilder("where to look next:\n");
        text.Append("  report     ").Append(reportPath).Append(" (its fields: docs/REPORT.md)\n");
        foreach (var model in report.Models)
        {
            text.Append("  charts     ").Append(Path.Combine(model.Folder, "loss.png")).Append(", accuracy.png, confusion.png, model-card.json (")
                .Append(model.Task).Append(" v").Append(model.Version).Append(")\n");
        }

        text.Append("  models     pipeline models list --data ").Append(report.DataFolder).Append('\n');
        if (report.Dashboard is { } dashboard)
        {
            text.Append("  dashboard  ").Append(dashboard).Append(" served while this run lasted; against a running deployment: pipeline dashboard --data ")
                .Append(report.DataFolder).Append(" --broker ").Append(report.Broker).Append('\n');
        }

        text.Append("  status     pipeline status --data ").Append(report.DataFolder).Append(" --broker ").Append(report.Broker).Append(" (while a loop runs)\n");
        if (logPath is not null)
        {
            text.Append("  log        ").Append(logPath).Append('\n');
        }

        return text.ToString();
    }
}

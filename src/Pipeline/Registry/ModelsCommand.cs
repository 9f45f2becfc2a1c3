using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pipeline.Ingest.Status;
using Pipeline.Protocol;
using Pipeline.Tasks;
using Pipeline.Trainer.Registry;

namespace Pipeline.Runner.Registry;

/// <summary>
/// `pipeline models list|show|status|rollback|promote`: what the trainer's model registry (`&lt;data&gt;/models`) holds and
/// how it rolls out, read from disk, so it works whether or not anything runs; and decisions to run another version,
/// recorded in the registry for the trainer to sign and announce (<see cref="ModelDecisionCommands"/>). A version whose
/// files do not check out is listed with what is wrong with it.
/// </summary>
internal static class ModelsCommand
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The data folder whose models/ holds the registry.", DefaultValueFactory = _ => "data" };
        var task = new Option<string?>("--task") { Description = $"Only this task: {string.Join(" or ", TaskRegistry.BuiltIn.Names)}." };
        var json = new Option<bool>("--json") { Description = "One JSON array instead of a table." };

        var list = new Command("list", "List every stored version, newest last, marking the current one.") { data, task, json };
        list.SetAction(parse => Run(parse, "list", output =>
        {
            var registry = new ModelRegistry(parse.GetValue(data)!);
            var tasks = Tasks(parse.GetValue(task));
            // Reading a version checks its artifact's SHA-256: each is read once, for its row and the counts.
            var versions = tasks.ToDictionary(t => t, registry.Versions);
            var rows = tasks.SelectMany(t => Listings(t, versions[t], registry.Current(t)?.Version)).ToList();
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(rows, ModelsJsonContext.Default.ListModelListing));
                return;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"task",-8} {"version",7} {"",1} {"architecture",-16} {"schedule",-14} {"accuracy",8} {"macro-F1",8} {"held out",8} {"size",10} created (UTC)"));
            foreach (var row in rows)
            {
                output.WriteLine(row.Problem is null
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"{row.Task,-8} {row.Version,7} {(row.Current ? "*" : ""),1} {row.Architecture,-16} {row.Schedule,-14} {row.Accuracy,8:P1} {row.MacroF1,8:F3} {row.HeldOutExamples,8} {row.SizeBytes,10} {row.Created}")
                    : string.Create(CultureInfo.InvariantCulture, $"{row.Task,-8} {row.Version,7}   damaged: {row.Problem}"));
            }

            foreach (var t in tasks)
            {
                output.WriteLine($"{t}: {versions[t].Count} versions, {registry.RejectedCount(t)} candidates not blessed (kept under {Path.Combine(registry.TaskFolder(t), "rejected")})");
                output.WriteLine($"{t}: {ModelDecisionCommands.Describe(registry, t)}");
            }
        }));

        var version = new Option<int?>("--version") { Description = "The version; the current one if omitted." };
        var showTask = new Option<string>("--task") { Description = "The task.", Required = true };
        var show = new Command("show", "Print a version's manifest and the files beside it.") { data, showTask, version };
        show.SetAction(parse => Run(parse, "show", output =>
        {
            var registry = new ModelRegistry(parse.GetValue(data)!);
            var t = Tasks(parse.GetValue(showTask)).Single();
            var wanted = parse.GetValue(version) ?? registry.Current(t)?.Version
                ?? throw new InvalidOperationException($"the registry holds no current {t} model");
            var stored = registry.Versions(t).FirstOrDefault(v => v.Version == wanted)
                ?? throw new InvalidOperationException($"the registry holds no {t} v{wanted}");
            if (stored.Manifest is null)
            {
                throw new InvalidOperationException($"{t} v{wanted} is damaged: {stored.Problem}");
            }

            using var manifest = JsonDocument.Parse(ControlMessageCodec.Encode(stored.Manifest));
            output.WriteLine(JsonSerializer.Serialize(manifest.RootElement, ModelsJsonContext.Indented.JsonElement));
            output.WriteLine($"files in {stored.Folder}: {string.Join(", ", Directory.EnumerateFiles(stored.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal))}");
        }));

        var rolloutTask = new Option<string?>("--task") { Description = $"Only this task: {string.Join(" or ", TaskRegistry.BuiltIn.Names)}." };
        var status = new Command("status", "Per version, which devices run it, fetch it or refused it (from ingest's view of their statuses).") { data, rolloutTask, json };
        status.SetAction(parse => Run(parse, "status", output =>
        {
            var folder = parse.GetValue(data)!;
            var registry = new ModelRegistry(folder);
            var statuses = DeviceStatusFile.Read(folder);
            var rollouts = Rollout.Of(statuses, Tasks(parse.GetValue(rolloutTask)), t => registry.Current(t)?.Version);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(rollouts, ModelsJsonContext.Default.IReadOnlyListRollout));
                return;
            }

            output.WriteLine($"{statuses.Count} devices known to ingest ({DeviceStatusFile.PathIn(folder)})");
            foreach (var t in Tasks(parse.GetValue(rolloutTask)))
            {
                output.WriteLine($"{t}: {ModelDecisionCommands.Describe(registry, t)}");
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"task",-8} {"version",7} {"",1} {"running",7} {"offline",7} {"fetching",8} {"refused",7}"));
            foreach (var r in rollouts)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Task,-8} {(r.Version is { } v ? $"v{v}" : "none"),7} {(r.Current ? "*" : ""),1} {r.Running.Count,7} {r.Offline.Count,7} {r.Fetching.Count,8} {r.Refused.Count,7}"));
                foreach (var refusal in r.Refused)
                {
                    output.WriteLine($"    {refusal.DeviceId}: {refusal.Reason}");
                }
            }
        }));

        return new Command("models", "Inspect the trainer's model registry and how its models roll out; roll back or promote a version.")
        {
            list, show, status, ModelDecisionCommands.Rollback(data), ModelDecisionCommands.Promote(data),
        };
    }

    private static IEnumerable<ModelListing> Listings(string task, IReadOnlyList<RegisteredVersion> versions, int? current)
    {
        foreach (var stored in versions)
        {
            var m = stored.Manifest;
            yield return m is null
                ? new ModelListing(task, stored.Version, false, null, null, null, null, null, null, null, null, stored.Problem)
                : new ModelListing(task, stored.Version, stored.Version == current, m.Architecture, m.Schedule, m.Metrics.Accuracy, m.Metrics.MacroF1,
                    m.Metrics.HeldOutExamples, m.Metrics.ConcentrationMae, m.SizeBytes,
                    DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedMicros / 1000).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), null);
        }
    }

    internal static IReadOnlyList<string> Tasks(string? task) =>
        task is null ? TaskRegistry.BuiltIn.Names
        : TaskRegistry.BuiltIn.TryFind(task, out _) ? [task]
        : throw new ArgumentException($"unknown task \"{task}\" (expected {string.Join(" or ", TaskRegistry.BuiltIn.Names)})");

    internal static int Run(ParseResult parse, string verb, Action<TextWriter> action)
    {
        try
        {
            action(parse.InvocationConfiguration.Output);
            return ExitOk;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"pipeline models {verb}: {e.Message}");
            return ExitFailed;
        }
    }
}

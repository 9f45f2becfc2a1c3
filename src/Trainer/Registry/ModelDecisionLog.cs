using System.Globalization;
using System.Text.Json;
using System.Text;
using Pipeline.Durability.Files;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Registry;

/// <summary>
/// A task's decisions, oldest first, one JSON object a line in &lt;data&gt;/models/&lt;task&gt;/decisions.jsonl. Lines are
/// only ever appended, each fsync'd before the decision is announced, so the log is also the audit of what devices were
/// told to run and why. The trainer (a blessed version) and `pipeline models rollback|promote` (another process) both
/// append, one at a time under an exclusive lock file. A line a crash left torn is skipped when read.
/// </summary>
internal sealed class ModelDecisionLog(string taskFolder)
{
    public const string FileName = "decisions.jsonl";

    private const string LockFileName = ".decisions.lock";
    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(10);

    public string Path { get; } = System.IO.Path.Combine(taskFolder, FileName);

    /// <summary>The decisions in the order they were taken; the problems of lines that do not read, each naming its line.</summary>
    public (IReadOnlyList<RecordedDecision> Decisions, IReadOnlyList<string> Problems) Read()
    {
        if (!File.Exists(Path))
        {
            return ([], []);
        }

        var decisions = new List<RecordedDecision>();
        var problems = new List<string>();
        var number = 0;
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            var decision = Parse(line, out var problem);
            if (decision is null)
            {
                problems.Add($"{Path} line {number} is skipped: {problem}");
                continue;
            }

            decisions.Add(decision);
        }

        return (decisions, problems);
    }

    /// <summary>
    /// Appends the decision <paramref name="decide"/> makes of the decisions so far, which it gets with the sequence the
    /// new one must take; nobody else appends meanwhile.
    /// </summary>
    public RecordedDecision Append(long nowMicros, Func<IReadOnlyList<RecordedDecision>, long, RecordedDecision> decide)
    {
        using var exclusive = Lock();
        var (decisions, _) = Read();
        var previous = decisions.Count == 0 ? 0 : decisions.Max(d => d.Sequence);
        var decision = decide(decisions, ModelDecision.NextSequence(previous, nowMicros));
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var line = JsonSerializer.Serialize(decision, RegistryJsonContext.Default.RecordedDecision);
        // After a torn line the new one starts on a line of its own, so only the torn one is lost.
        var separator = file.Position > 0 && !EndsWithNewline(Path) ? "\n" : "";
        file.Write(Encoding.UTF8.GetBytes(separator + line + "\n"));
        FileFlush.ToDisk(file);
        return decision;
    }

    public static string Timestamp(long micros) =>
        DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static RecordedDecision? Parse(string line, out string? problem)
    {
        try
        {
            var decision = JsonSerializer.Deserialize(line, RegistryJsonContext.Default.RecordedDecision);
            problem = decision is null ? "it is null"
                : decision.Sequence < 1 ? $"sequence {decision.Sequence} is below 1"
                : !ModelDecision.Kinds.Contains(decision.Kind) ? $"kind \"{decision.Kind}\" is not one of {string.Join(", ", ModelDecision.Kinds)}"
                : decision.Version < 1 ? $"version {decision.Version} is below 1"
                : null;
            return problem is null ? decision : null;
        }
        catch (JsonException e)
        {
            problem = $"it is not a decision: {e.Message}";
            return null;
        }
    }

    private static bool EndsWithNewline(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Seek(-1, SeekOrigin.End);
        return file.ReadByte() == '\n';
    }

    /// <summary>The operating system's lock (an exclusive open), so it goes with a process however that ends; waits a while for the other holder.</summary>
    private FileStream Lock()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, LockFileName);
        var deadline = DateTime.UtcNow + LockPatience;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new InvalidOperationException($"{path} stayed locked for {LockPatience.TotalSeconds:0} s: another process is recording a decision", e);
            }
        }
    }
}

using System.Text;
using System.Text.Json;
using Pipeline.Ingest.Quarantining;

namespace Pipeline.Runner.Observing;

/// <summary>
/// The newest refusals in ingest's quarantine file, read from its last <see cref="TailBytes"/>: per reason code, how
/// many of those lines carry it and the latest one. Lines that do not parse (the torn end of a line being written) are
/// skipped.
/// </summary>
internal static class QuarantineTail
{
    public const int TailBytes = 256 * 1024;

    public static IReadOnlyList<QuarantineReason> Read(string folder)
    {
        var path = Path.Combine(folder, Quarantine.FileName);
        string text;
        try
        {
            if (!File.Exists(path))
            {
                return [];
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var start = Math.Max(0, file.Length - TailBytes);
            file.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[file.Length - start];
            file.ReadExactly(buffer);
            text = Encoding.UTF8.GetString(buffer);
            if (start > 0)
            {
                // The first line is cut by the window: it starts after the first newline.
                text = text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
            }
        }
        catch (IOException)
        {
            return [];
        }

        var reasons = new Dictionary<string, QuarantineReason>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Parse(line) is not { } refusal)
            {
                continue;
            }

            reasons[refusal.Code] = reasons.TryGetValue(refusal.Code, out var known)
                ? known with { Count = known.Count + 1, Latest = refusal }
                : new QuarantineReason(refusal.Code, 1, refusal);
        }

        return [.. reasons.Values.OrderByDescending(r => r.Count)];
    }

    private static QuarantinedMessage? Parse(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return new QuarantinedMessage(root.GetProperty("time").GetString() ?? "", root.GetProperty("topic").GetString() ?? "",
                root.GetProperty("code").GetString() ?? "", root.GetProperty("reason").GetString() ?? "", root.GetProperty("payloadBytes").GetInt64());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}

using System.Text;
using Pipeline.Durability.Files;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Status;

/// <summary>
/// `&lt;Ingest:DataFolder&gt;/status/devices.jsonl`: every device's latest status, one protocol JSON object a line, so
/// tools (`pipeline models status`) can follow a rollout without a broker connection of their own. Replaced whole
/// (<see cref="AtomicFile"/>), so a reader never sees half of it.
/// </summary>
public static class DeviceStatusFile
{
    public static string PathIn(string dataFolder) => Path.Combine(dataFolder, "status", "devices.jsonl");

    public static void Write(string dataFolder, IEnumerable<DeviceStatus> statuses)
    {
        AtomicFile.Write(PathIn(dataFolder), file =>
        {
            foreach (var status in statuses.OrderBy(s => s.DeviceId, StringComparer.Ordinal))
            {
                file.Write(ControlMessageCodec.Encode(status));
                file.WriteByte((byte)'\n');
            }
        });
    }

    /// <summary>Every status that decodes; lines that do not are skipped (the file is ingest's, but read as untrusted).</summary>
    public static IReadOnlyList<DeviceStatus> Read(string dataFolder)
    {
        var path = PathIn(dataFolder);
        return File.Exists(path)
            ? [.. File.ReadLines(path).Select(line => ControlMessageCodec.DecodeDeviceStatus(Encoding.UTF8.GetBytes(line))).Where(d => d.IsSuccess).Select(d => d.Value!)]
            : [];
    }
}

using Pipeline.Durability.Framing;
using Pipeline.Durability.Logs;

namespace Pipeline.Durability.Tests.Logs;

/// <summary>
/// The record log contract for the logs kept in a <see cref="SegmentedLog"/>'s segments (written directly, or through a
/// <see cref="BackgroundCommit"/>): its naming and limits, and how a restart recovers it.
/// </summary>
public abstract class SegmentedLogContract : RecordLogContract
{
    protected static readonly FrameLimits Limits = new(1, 1024 * 1024);
    protected static readonly SegmentNaming Naming = new("log-", ".seg", FirstNumber: 1);

    protected override (List<byte[]> Bodies, bool CutDamage) Recover()
    {
        var bodies = new List<byte[]>();
        var (log, damage) = SegmentedLog.Open(Folder.Path, Naming, Limits, (_, _, body) => { bodies.Add(body); return null; });
        log.Dispose();
        return (bodies, damage.Any(d => d.Cut));
    }

    protected override string NewestFile() => Naming.PathOf(Folder.Path, Naming.Find(Folder.Path)[^1]);
}

namespace Pipeline.Durability.Logs;

/// <summary>
/// What a scan of a record file found: <see cref="End"/>, where its intact records end (and the next append goes), the
/// file's length, and, when bytes after <see cref="End"/> are not an intact record, what is wrong with the first of them.
/// </summary>
public readonly record struct ScanResult(long End, long FileLength, string? Problem)
{
    /// <summary>Whether the file ends cleanly after its last intact record.</summary>
    public bool EndsCleanly => Problem is null;

    /// <summary>Bytes after the last intact record: a torn or damaged tail.</summary>
    public long TailBytes => FileLength - End;
}

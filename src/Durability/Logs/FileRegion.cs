namespace Pipeline.Durability.Logs;

/// <summary>A run of bytes in a file: <see cref="Length"/> bytes from <see cref="Offset"/>.</summary>
public readonly record struct FileRegion(long Offset, long Length);

namespace Pipeline.Durability.Framing;

/// <summary>
/// The body lengths a log's records may have. A header announcing a length outside them is damage (or a torn write),
/// never a record, so a reader does not try to allocate or read gigabytes because of one flipped bit.
/// </summary>
public readonly record struct FrameLimits(int MinBodyLength, int MaxBodyLength)
{
    public bool Allows(long bodyLength) => bodyLength >= MinBodyLength && bodyLength <= MaxBodyLength;
}

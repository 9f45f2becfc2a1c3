namespace Pipeline.Durability.Logs;

/// <summary>
/// Called for each intact record a scan finds, with its offset in the file and its body. Returns null to go on, or a
/// problem (the body does not parse, say) to end the scan at this record as if it were damaged.
/// </summary>
public delegate string? RecordVisitor(long offset, byte[] body);

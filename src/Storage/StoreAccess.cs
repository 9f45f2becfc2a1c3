namespace Pipeline.Storage;

/// <summary>Whether a component writes the store (ingest) or only reads what another process writes (a standalone trainer).</summary>
public enum StoreAccess
{
    ReadWrite,
    ReadOnly,
}

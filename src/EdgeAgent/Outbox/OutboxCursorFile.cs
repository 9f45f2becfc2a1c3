using Microsoft.Win32.SafeHandles;

namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// The <c>cursor</c> file, kept open and rewritten in place: two <see cref="OutboxCursor"/> slots, written in turn, so a
/// write torn by a crash damages only the slot being written and the other still holds the previous position. On open
/// the intact slot with the later position wins. Replacing a file by rename cost milliseconds per save here (ext4 flushes
/// the new file's data before such a rename), more than the publish it followed; one positioned write costs microseconds.
/// Not fsync'd: a cursor that is lost or stale only makes the agent publish acknowledged messages again, which receivers
/// de-duplicate by stream id and sequence number. Not thread-safe: its owner (<see cref="DiskOutbox"/>) serialises use.
/// </summary>
internal sealed class OutboxCursorFile : IDisposable
{
    private const int Slots = 2;

    private readonly SafeFileHandle _handle;
    private readonly byte[] _slot = new byte[OutboxCursor.SlotSize];
    private int _nextSlot;

    private OutboxCursorFile(SafeFileHandle handle, int nextSlot)
    {
        _handle = handle;
        _nextSlot = nextSlot;
    }

    /// <summary>
    /// Opens (or creates) the cursor file in <paramref name="folder"/> and reads its position: <see cref="OutboxCursor.Start"/>
    /// when the file is new, and also when no slot is intact (with the reason; the file is then started afresh).
    /// </summary>
    public static (OutboxCursorFile File, OutboxCursor Cursor, string? Problem) Open(string folder)
    {
        var handle = File.OpenHandle(Path.Combine(folder, OutboxCursor.FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length == 0)
            {
                return (new OutboxCursorFile(handle, 0), OutboxCursor.Start, null);
            }

            OutboxCursor? newest = null;
            var newestSlot = 0;
            if (length <= Slots * OutboxCursor.SlotSize)
            {
                var bytes = new byte[length];
                RandomAccess.Read(handle, bytes, 0);
                for (var slot = 0; (slot + 1) * OutboxCursor.SlotSize <= length; slot++)
                {
                    if (OutboxCursor.Decode(bytes.AsSpan(slot * OutboxCursor.SlotSize, OutboxCursor.SlotSize)) is { } cursor && (newest is null || cursor.IsAfter(newest.Value)))
                    {
                        newest = cursor;
                        newestSlot = slot;
                    }
                }
            }

            if (newest is { } found)
            {
                // The next save overwrites the older slot (or the damaged one), never the one just read.
                return (new OutboxCursorFile(handle, (newestSlot + 1) % Slots), found, null);
            }

            RandomAccess.SetLength(handle, 0);
            var problem = length > Slots * OutboxCursor.SlotSize
                ? $"cursor file is {length} bytes, more than its {Slots} slots of {OutboxCursor.SlotSize}"
                : $"no slot of the {length}-byte cursor file passes its CRC-32";
            return (new OutboxCursorFile(handle, 0), OutboxCursor.Start, problem);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Save(OutboxCursor cursor)
    {
        cursor.Encode(_slot);
        RandomAccess.Write(_handle, _slot, (long)_nextSlot * OutboxCursor.SlotSize);
        _nextSlot = (_nextSlot + 1) % Slots;
    }

    public void Dispose() => _handle.Dispose();
}

using System.Buffers;

namespace Pipeline.Storage.Embedded;

/// <summary>
/// One motion write's records as the write-ahead log frames them, in one pooled buffer (<see cref="MotionWriteAheadLog.Frame"/>).
/// Each record's body is the device log's record body as well, so once the write is durable the device logs are written
/// from here, without encoding the batches again or keeping a copy of each. Disposing returns the buffer: the bodies must
/// not be read after that.
/// </summary>
internal sealed class MotionWriteBuffer(byte[] buffer, int length, (int Offset, int Length)[] bodies) : IDisposable
{
    private byte[]? _buffer = buffer;

    /// <summary>The framed records, as appended to the write-ahead log.</summary>
    public ReadOnlySpan<byte> Frames => Buffer.AsSpan(0, length);

    /// <summary>The body of the <paramref name="index"/>-th record, in the order of the batches framed.</summary>
    public ReadOnlyMemory<byte> Body(int index) => Buffer.AsMemory(bodies[index].Offset, bodies[index].Length);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(MotionWriteBuffer));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } returned)
        {
            ArrayPool<byte>.Shared.Return(returned);
        }
    }
}

using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// An MQTTnet channel that reads through a buffer and gathers writes.
/// Reads: MQTTnet reads each packet in two or three calls (the fixed header's two bytes, one call per further byte of
/// the remaining length, then the body), and on a bare socket each call is a receive system call: three per message for
/// a subscriber draining small messages. Through the buffer one receive fills up to <see cref="BufferBytes"/>, dozens of
/// such packets, and the other calls are copies. Only the receive loop reads a channel, one call at a time, so the read
/// buffer needs no lock.
/// Writes: MQTTnet sends each packet on its own and waits for the socket before the next, so a subscriber that
/// acknowledges a stored batch of a thousand messages made a thousand sends, each a system call and a TCP segment for the
/// broker to take in, while the broker held back new messages for the acknowledgements still queued behind them. Here a
/// write is copied to a pending buffer and returns; one flush at a time, started on the thread pool by the first write
/// that finds none running, sends everything pending in one socket write and repeats until nothing is left, so a burst
/// goes out in a few sends and a lone packet in one, as before. A failed send fails every later write, which makes MQTTnet
/// drop the link and reconnect; what it held was never acknowledged by the other side, so nothing relies on it.
/// </summary>
internal sealed class BufferedChannel(IMqttChannel inner) : IMqttChannel
{
    internal const int BufferBytes = 64 * 1024;

    // A flush buffer that grew past this for one large packet is let go rather than kept for the connection's lifetime.
    private const int KeptWriteBufferBytes = 1024 * 1024;

    private readonly byte[] _readBuffer = new byte[BufferBytes];
    private int _start;
    private int _end;

    // Guards the write state below: the pending bytes, whether a flush runs, and a send failure.
    private readonly Lock _writeGate = new();
    private ArrayBufferWriter<byte> _pending = new(BufferBytes);
    private ArrayBufferWriter<byte> _sending = new(BufferBytes);
    private Task _flush = Task.CompletedTask;
    private bool _flushing;
    private Exception? _sendFailure;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    /// <summary>Sends what is pending (a DISCONNECT packet, the last acknowledgements) before closing.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Task flush;
        lock (_writeGate)
        {
            flush = _flush;
        }

        // A failed send has already been reported to the writer that came after it; closing goes on regardless.
        await flush.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await inner.DisconnectAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        lock (_writeGate)
        {
            if (_sendFailure is not null)
            {
                return Task.FromException(new IOException($"an earlier send on this connection failed: {_sendFailure.Message}", _sendFailure));
            }

            foreach (var segment in buffer)
            {
                _pending.Write(segment.Span);
            }

            if (!_flushing)
            {
                _flushing = true;
                _flush = Task.Run(FlushAsync, CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_end > _start)
        {
            return Task.FromResult(Take(buffer, offset, count));
        }

        // A read as large as the buffer gains nothing from going through it.
        return count >= BufferBytes ? inner.ReadAsync(buffer, offset, count, cancellationToken) : FillThenTakeAsync(buffer, offset, count, cancellationToken);
    }

    public void Dispose() => inner.Dispose();

    private async Task FlushAsync()
    {
        while (true)
        {
            ArrayBufferWriter<byte> sending;
            lock (_writeGate)
            {
                if (_pending.WrittenCount == 0)
                {
                    _flushing = false;
                    return;
                }

                sending = _pending;
                _pending = _sending.Capacity > KeptWriteBufferBytes ? new ArrayBufferWriter<byte>(BufferBytes) : _sending;
                _sending = sending;
            }

            try
            {
                await inner.WriteAsync(new ReadOnlySequence<byte>(sending.WrittenMemory), true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                lock (_writeGate)
                {
                    _sendFailure = e;
                    _flushing = false;
                }

                return;
            }

            sending.ResetWrittenCount();
        }
    }

    private async Task<int> FillThenTakeAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(_readBuffer, 0, _readBuffer.Length, cancellationToken).ConfigureAwait(false);
        if (read <= 0)
        {
            return read;
        }

        (_start, _end) = (0, read);
        return Take(buffer, offset, count);
    }

    private int Take(byte[] buffer, int offset, int count)
    {
        var taken = Math.Min(count, _end - _start);
        Buffer.BlockCopy(_readBuffer, _start, buffer, offset, taken);
        _start += taken;
        return taken;
    }
}

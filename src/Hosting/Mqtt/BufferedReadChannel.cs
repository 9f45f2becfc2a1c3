using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// An MQTTnet channel with a read buffer in front of it. MQTTnet reads each packet in two or three calls (the fixed
/// header's two bytes, one call per further byte of the remaining length, then the body), and on a bare socket each
/// call is a receive system call: three per message for a subscriber draining small messages. Through this buffer one
/// receive fills up to <see cref="BufferBytes"/>, dozens of such packets, and the other calls are copies. Only the
/// receive loop reads a channel, one call at a time, so the buffer needs no lock.
/// </summary>
internal sealed class BufferedReadChannel(IMqttChannel inner) : IMqttChannel
{
    internal const int BufferBytes = 64 * 1024;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

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

    private async Task<int> FillThenTakeAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
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
        Buffer.BlockCopy(_buffer, _start, buffer, offset, taken);
        _start += taken;
        return taken;
    }
}

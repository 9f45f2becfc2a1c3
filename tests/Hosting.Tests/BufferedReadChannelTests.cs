using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// The read buffer in front of MQTTnet's socket: whatever sizes the reads ask for, they get the stream's bytes in order,
/// a closed connection still reads as 0, and the socket is asked once for as much as the buffer holds.
/// </summary>
public sealed class BufferedReadChannelTests
{
    [Fact]
    public async Task ReadsOfAnySize_GetTheBytesInOrder_WithOneSocketReadPerBufferful()
    {
        var bytes = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();
        var socket = new ScriptedChannel(bytes);
        using var channel = new BufferedReadChannel(socket);
        var received = new List<byte>();
        var sizes = new[] { 2, 1, 1700, 2, 1, 9000, 3, 70_000 };
        for (var i = 0; received.Count < bytes.Length; i++)
        {
            var target = new byte[sizes[i % sizes.Length] + 5];
            var read = await channel.ReadAsync(target, 5, target.Length - 5, CancellationToken.None);
            Assert.InRange(read, 1, target.Length - 5);
            received.AddRange(target.AsSpan(5, read).ToArray());
        }

        Assert.Equal(bytes, received);
        Assert.Equal(0, await channel.ReadAsync(new byte[10], 0, 10, CancellationToken.None));
        // Small reads are served from bufferfuls: far fewer socket reads than reads (one per 64 KiB, plus the large reads' own).
        Assert.True(socket.Reads < 20, $"{socket.Reads} socket reads");
    }

    [Fact]
    public async Task ASocketThatHandsOverFewBytes_StillYieldsEveryByte()
    {
        var bytes = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        using var channel = new BufferedReadChannel(new ScriptedChannel(bytes, most: 3));
        var received = new List<byte>();
        while (received.Count < bytes.Length)
        {
            var target = new byte[1000];
            var read = await channel.ReadAsync(target, 0, target.Length, CancellationToken.None);
            received.AddRange(target.AsSpan(0, read).ToArray());
        }

        Assert.Equal(bytes, received);
    }

    /// <summary>A socket whose receive hands over at most <c>most</c> bytes of a fixed stream, then 0 (closed).</summary>
    private sealed class ScriptedChannel(byte[] bytes, int most = int.MaxValue) : IMqttChannel
    {
        private int _position;

        public int Reads { get; private set; }

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1883);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 50000);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Reads++;
            var read = Math.Min(Math.Min(count, most), bytes.Length - _position);
            Array.Copy(bytes, _position, buffer, offset, read);
            _position += read;
            return Task.FromResult(read);
        }

        public void Dispose()
        {
        }
    }
}

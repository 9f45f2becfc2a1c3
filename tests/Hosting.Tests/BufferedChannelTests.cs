using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// The buffers in front of MQTTnet's socket. Reads: whatever sizes they ask for, they get the stream's bytes in order, a
/// closed connection still reads as 0, and the socket is asked once for as much as the buffer holds. Writes: they return
/// at once, a burst goes out in few socket writes with its bytes in order, closing sends what is pending first, and a
/// failed send fails the writes after it.
/// </summary>
public sealed class BufferedChannelTests
{
    [Fact]
    public async Task ReadsOfAnySize_GetTheBytesInOrder_WithOneSocketReadPerBufferful()
    {
        var bytes = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();
        var socket = new ScriptedChannel(bytes);
        using var channel = new BufferedChannel(socket);
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
        using var channel = new BufferedChannel(new ScriptedChannel(bytes, most: 3));
        var received = new List<byte>();
        while (received.Count < bytes.Length)
        {
            var target = new byte[1000];
            var read = await channel.ReadAsync(target, 0, target.Length, CancellationToken.None);
            received.AddRange(target.AsSpan(0, read).ToArray());
        }

        Assert.Equal(bytes, received);
    }

    [Fact]
    public async Task ABurstOfWrites_GoesOutInOneSocketWriteBehindTheOneUnderWay_InOrder()
    {
        var socket = new RecordingChannel();
        using var channel = new BufferedChannel(socket);
        var packets = Enumerable.Range(0, 1000).Select(i => new byte[] { 0x40, 2, (byte)(i >> 8), (byte)i }).ToList();

        // The first write's send is held on the socket; the other 999 return at once and wait in the buffer.
        foreach (var packet in packets)
        {
            var write = channel.WriteAsync(new ReadOnlySequence<byte>(packet), true, CancellationToken.None);
            Assert.True(write.IsCompletedSuccessfully);
        }

        await socket.FirstWriteStarted.WaitAsync(TimeSpan.FromSeconds(10));
        socket.Release();
        await Eventually.TrueAsync(() => socket.Bytes.Count == 4000, TimeSpan.FromSeconds(10), () => $"{socket.Bytes.Count} of 4000 bytes sent");

        Assert.Equal(packets.SelectMany(p => p), socket.Bytes);
        // The first send took whatever was pending when it started; everything written while it was held went in one more.
        Assert.InRange(socket.Writes, 1, 2);
    }

    [Fact]
    public async Task Disconnecting_SendsWhatIsPendingFirst()
    {
        var socket = new RecordingChannel();
        using var channel = new BufferedChannel(socket);
        await channel.WriteAsync(new ReadOnlySequence<byte>([0x40, 2, 0, 1]), true, CancellationToken.None);
        await channel.WriteAsync(new ReadOnlySequence<byte>([0xE0, 0]), true, CancellationToken.None);

        var disconnect = channel.DisconnectAsync(CancellationToken.None);
        await socket.FirstWriteStarted.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(disconnect.IsCompleted);
        socket.Release();
        await disconnect.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([0x40, 2, 0, 1, 0xE0, 0], socket.BytesAtDisconnect);
    }

    [Fact]
    public async Task AFailedSend_FailsTheWritesAfterIt_NamingTheCause()
    {
        var socket = new RecordingChannel { Failure = new IOException("Connection reset by peer") };
        using var channel = new BufferedChannel(socket);
        socket.Release();
        await channel.WriteAsync(new ReadOnlySequence<byte>([0x40, 2, 0, 1]), true, CancellationToken.None);
        await channel.DisconnectAsync(CancellationToken.None);

        var later = await Assert.ThrowsAsync<IOException>(() => channel.WriteAsync(new ReadOnlySequence<byte>([0x40, 2, 0, 2]), true, CancellationToken.None));
        Assert.Contains("Connection reset by peer", later.Message, StringComparison.Ordinal);
    }

    /// <summary>A socket that records what is sent; its first send waits until <see cref="Release"/>, then each send fails with <see cref="Failure"/> if set.</summary>
    private sealed class RecordingChannel : IMqttChannel
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstWriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _gate = new();
        private readonly List<byte> _bytes = [];

        public Exception? Failure { get; init; }

        public Task FirstWriteStarted => _firstWriteStarted.Task;

        public int Writes { get; private set; }

        public IReadOnlyList<byte> Bytes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _bytes];
                }
            }
        }

        public byte[]? BytesAtDisconnect { get; private set; }

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1883);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 50000);

        public bool IsSecureConnection => false;

        public void Release() => _released.TrySetResult();

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken)
        {
            BytesAtDisconnect = [.. Bytes];
            return Task.CompletedTask;
        }

        public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            _firstWriteStarted.TrySetResult();
            await _released.Task;
            if (Failure is not null)
            {
                throw Failure;
            }

            lock (_gate)
            {
                Writes++;
                _bytes.AddRange(buffer.ToArray());
            }
        }

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(0);

        public void Dispose()
        {
        }
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

using System.Net;
using System.Net.Sockets;

namespace Pipeline.TestSupport;

/// <summary>
/// A loopback TCP relay between a client and a real broker, so a test can cut the link the way a failing
/// network does (a reset, no MQTT DISCONNECT) while the broker itself keeps running.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _acceptLoop;

    public TcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _acceptLoop = AcceptAsync(_stop.Token);
    }

    // Completed while bytes flow; a black hole swaps in an uncompleted one, which every pump waits on.
    private TaskCompletionSource _flowing = Completed();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// Stops carrying bytes on every connection, old and new, without closing any: packets just stop, as when a route
    /// dies. Neither side gets a reset; only a keep-alive can tell. Bytes sent meanwhile wait in the kernel's buffers.
    /// </summary>
    public void BlackHole() => Volatile.Write(ref _flowing, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Carries bytes again, starting with those that waited.</summary>
    public void Restore() => Volatile.Read(ref _flowing).TrySetResult();

    private static TaskCompletionSource Completed()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    /// <summary>Resets every relayed connection on both sides; new connections are still accepted.</summary>
    public void ResetAll()
    {
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }

            _sockets.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        ResetAll();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(cancellationToken);
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, cancellationToken);
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(upstream);
            }

            _ = PumpAsync(client, upstream, cancellationToken);
            _ = PumpAsync(upstream, client, cancellationToken);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                await Volatile.Read(ref _flowing).Task.WaitAsync(cancellationToken);
                var read = await from.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await Volatile.Read(ref _flowing).Task.WaitAsync(cancellationToken);
                await to.SendAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The relay was reset or stopped: that is the point of it.
        }
    }
}

using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// Closes a client's earlier connection before a new one takes its persistent session over. MQTTnet's server re-queues
/// the session's unacknowledged messages for the new connection first and stops the old connection after, so the old
/// connection's send loop can take some of them and write them to a socket that is going away: they then stay
/// unacknowledged until the client's next reconnect, and a receiver that reconnected quickly (a restarted ingest)
/// misses them for as long as it stays connected. Stopping the old connection first puts every redelivery on the new one.
/// </summary>
internal static class SessionHandover
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    public static async Task CloseEarlierConnectionAsync(MqttServer server, ValidatingConnectionEventArgs args)
    {
        if (args.ReasonCode != MqttConnectReasonCode.Success || args.CleanSession != false || !await IsConnectedAsync(server, args.ClientId))
        {
            return;
        }

        await server.DisconnectClientAsync(args.ClientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.SessionTakenOver });
        using var patience = new CancellationTokenSource(Patience);
        while (!patience.IsCancellationRequested && await IsConnectedAsync(server, args.ClientId))
        {
            // The old connection leaves the server's client list once its loops have ended; MQTTnet raises no event for that here.
            await Task.Delay(Poll, CancellationToken.None);
        }
    }

    private static async Task<bool> IsConnectedAsync(MqttServer server, string clientId) =>
        (await server.GetClientsAsync()).Any(c => c.Id == clientId);
}

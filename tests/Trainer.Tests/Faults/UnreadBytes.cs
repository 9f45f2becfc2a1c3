using System.Globalization;

namespace Pipeline.Trainer.Tests.Faults;

/// <summary>Bytes that have reached a TCP server on this machine and wait, unread, in its sockets' receive queues (from /proc/net/tcp and tcp6).</summary>
internal static class UnreadBytes
{
    private const string Listening = "0A";
    private static readonly string[] SocketTables = ["/proc/net/tcp", "/proc/net/tcp6"];

    public static long At(int port) => SocketTables.Where(File.Exists).SelectMany(File.ReadLines).Sum(line => Received(line, port));

    /// <summary>One socket's line: "sl local_address rem_address st tx_queue:rx_queue …", addresses and queues in hex.</summary>
    private static long Received(string line, int port)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[0] == "sl" || fields[3] == Listening)
        {
            return 0;
        }

        var local = fields[1];
        return int.Parse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port
            ? long.Parse(fields[4].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : 0;
    }
}

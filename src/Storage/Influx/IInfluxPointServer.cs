namespace Pipeline.Storage.Influx;

/// <summary>
/// What <see cref="InfluxIdempotentWriter"/> needs from an InfluxDB server, whichever API reaches it: the 1.x HTTP
/// API (InfluxQL) or the 2.x client (Flux). The line protocol written is the same for both.
/// </summary>
internal interface IInfluxPointServer
{
    /// <summary>Whatever must exist before a write (the 1.x database); runs outside the write lock.</summary>
    Task PrepareWriteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The (device, stream, sequence) keys the server already holds among the points of <paramref name="measurement"/>
    /// that carry <paramref name="markField"/> (and, when <paramref name="tag"/> is given, that tag with that value), in the
    /// time span of the candidates (a replay has the timestamps of the original).
    /// </summary>
    Task<HashSet<(string DeviceId, uint StreamId, ulong Sequence)>> StoredKeysAsync(
        string measurement, string markField, (string Key, string Value)? tag, IReadOnlyList<(string DeviceId, long Micros)> candidates, CancellationToken cancellationToken);

    /// <summary>Whether a label with this device and session id is stored, at any time.</summary>
    Task<bool> LabelExistsAsync(string deviceId, string sessionId, CancellationToken cancellationToken);

    /// <summary>Writes the lines; returns only after the server acknowledged every one of them.</summary>
    Task WritePointsAsync(IEnumerable<string> lines, CancellationToken cancellationToken);
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Hosting.Observability;

/// <summary>
/// What every MQTT connection of this process does, on the "Pipeline.Mqtt" meter: messages published (PUBACK received),
/// links lost by reason, and whether each live connection is up. It also knows the live connections themselves, which
/// the broker health check reads. Safe to use from any thread.
/// </summary>
public sealed class MqttTelemetry
{
    public const string MeterName = "Pipeline.Mqtt";

    private readonly ConcurrentDictionary<MqttConnection, byte> _live = new();
    private readonly Counter<long> _published;
    private readonly Counter<long> _disconnects;

    public MqttTelemetry(IMeterFactory meters)
        : this(meters.Create(MeterName))
    {
    }

    private MqttTelemetry(Meter meter)
    {
        _published = meter.CreateCounter<long>("pipeline.mqtt.published", "{message}", "QoS 1 messages the broker acknowledged, by client id");
        _disconnects = meter.CreateCounter<long>("pipeline.mqtt.disconnects", "{disconnect}", "Links to the broker lost while connected, by client id and reason");
        meter.CreateObservableGauge("pipeline.mqtt.connected",
            () => _live.Keys.Select(c => new Measurement<int>(c.IsConnected ? 1 : 0, ClientTag(c.ClientId))),
            "{connection}", "1 while the connection is up, 0 while it is down, by client id");
        meter.CreateObservableGauge("pipeline.mqtt.session_taken_over",
            () => _live.Keys.Select(c => new Measurement<int>(c.SessionTakenOver ? 1 : 0, ClientTag(c.ClientId))),
            "{connection}", "1 once another instance with the same client id took over the session (this one then stays off), by client id");
    }

    /// <summary>For connections made without a host (tools, benchmarks, tests): counted on a meter no exporter reads.</summary>
    public static MqttTelemetry Unexported { get; } = new(new Meter(MeterName));

    /// <summary>The connections created and not yet disposed.</summary>
    public IReadOnlyCollection<MqttConnection> Connections => [.. _live.Keys];

    internal void Opened(MqttConnection connection) => _live[connection] = 0;

    internal void Closed(MqttConnection connection) => _live.TryRemove(connection, out _);

    internal void Published(string clientId) => _published.Add(1, ClientTag(clientId));

    internal void Disconnected(string clientId, string reason) =>
        _disconnects.Add(1, ClientTag(clientId), new KeyValuePair<string, object?>("reason", reason));

    private static KeyValuePair<string, object?> ClientTag(string clientId) => new("client_id", clientId);
}

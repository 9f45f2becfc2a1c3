using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Hosting.Mqtt;
using Pipeline.Hosting.Observability;

namespace Pipeline.Hosting.Health;

/// <summary>
/// Ready only while every MQTT connection this component holds is connected and the broker has granted each of its
/// subscriptions: a component that reported ready before its subscriptions were in place would never see what was
/// published meanwhile. A connection whose session another instance with the same client id took over is named as
/// such: it does not come back by itself.
/// </summary>
internal sealed class BrokerHealthCheck(MqttTelemetry mqtt, MqttConnectionFactory factory) : IHealthCheck
{
    public const string Name = "broker";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var connections = mqtt.Connections;
        var broker = $"{factory.Broker.Host}:{factory.Broker.Port}";
        if (connections.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"no connection to the broker at {broker} yet"));
        }

        var takenOver = connections.Where(c => c.SessionTakenOver).Select(c => c.ClientId).Order(StringComparer.Ordinal).ToList();
        if (takenOver.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"another instance with client id {string.Join(", ", takenOver)} took over the session at {broker}; this one stopped reconnecting (give each instance its own client id)"));
        }

        var down = connections.Where(c => !c.IsConnected).Select(c => c.ClientId).Order(StringComparer.Ordinal).ToList();
        if (down.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"not connected to {broker}: {string.Join(", ", down)}"));
        }

        var subscribing = connections.Select(c => (c.ClientId, Filters: c.UnconfirmedSubscriptions)).Where(c => c.Filters.Count > 0)
            .OrderBy(c => c.ClientId, StringComparer.Ordinal).Select(c => $"{c.ClientId} ({string.Join(", ", c.Filters)})").ToList();
        return Task.FromResult(subscribing.Count == 0
            ? HealthCheckResult.Healthy($"{connections.Count} connection(s) to {broker} up")
            : HealthCheckResult.Unhealthy($"connected to {broker}, subscriptions not yet granted: {string.Join("; ", subscribing)}"));
    }
}

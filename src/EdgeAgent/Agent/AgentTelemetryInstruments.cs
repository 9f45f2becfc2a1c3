using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>
/// The instruments of the "Pipeline.EdgeAgent" meter, created once per host and shared by its agents, each of which
/// tags what it counts with its device id (<see cref="AgentTelemetry"/>). The gauges read each running agent's snapshot.
/// </summary>
public sealed class AgentTelemetryInstruments
{
    public const string MeterName = "Pipeline.EdgeAgent";

    private readonly ConcurrentDictionary<string, Func<AgentSnapshot>> _agents = new(StringComparer.Ordinal);

    public AgentTelemetryInstruments(IMeterFactory meters)
        : this(meters.Create(MeterName))
    {
    }

    private AgentTelemetryInstruments(Meter meter)
    {
        Samples = meter.CreateCounter<long>("pipeline.agent.samples", "{sample}", "Motion samples recorded into the outbox, by device");
        Frames = meter.CreateCounter<long>("pipeline.agent.frames", "{frame}", "Frames recorded into the outbox, by device");
        Predictions = meter.CreateCounter<long>("pipeline.agent.predictions", "{prediction}", "Predictions published, by device");
        InferenceLatency = meter.CreateHistogram<double>("pipeline.agent.inference_latency", "ms", "Time of one inference (a swing window, or a frame's droplets), by device");
        InferenceDrops = meter.CreateCounter<long>("pipeline.agent.inference_drops", "{input}", "Inputs dropped because inference fell behind sampling, by device");
        ModelsRefused = meter.CreateCounter<long>("pipeline.agent.models_refused", "{model}", "Announced models refused, by device");
        meter.CreateObservableGauge("pipeline.agent.outbox_depth", () => Each(s => s.OutboxDepth), "{message}",
            "Messages in the on-disk outbox waiting for the broker's acknowledgement, by device");
        meter.CreateObservableCounter("pipeline.agent.outbox_dropped", () => Each(s => s.OutboxDropped), "{message}",
            "Messages the outbox's size cap discarded, by device");
        meter.CreateObservableGauge("pipeline.agent.model_version", () => Each(s => s.ModelVersion ?? 0), "{version}",
            "The model version the device runs, by device (0 before it has one)");
    }

    /// <summary>For agents made without a host (tools, benchmarks, tests): counted on a meter no exporter reads.</summary>
    public static AgentTelemetryInstruments Unexported { get; } = new(new Meter(MeterName));

    internal Counter<long> Samples { get; }

    internal Counter<long> Frames { get; }

    internal Counter<long> Predictions { get; }

    internal Histogram<double> InferenceLatency { get; }

    internal Counter<long> InferenceDrops { get; }

    internal Counter<long> ModelsRefused { get; }

    internal void Observe(string deviceId, Func<AgentSnapshot> snapshot) => _agents[deviceId] = snapshot;

    internal void Forget(string deviceId) => _agents.TryRemove(deviceId, out _);

    private IEnumerable<Measurement<long>> Each(Func<AgentSnapshot, long> value) =>
        _agents.Select(a => new Measurement<long>(value(a.Value()), new KeyValuePair<string, object?>("device", a.Key)));
}

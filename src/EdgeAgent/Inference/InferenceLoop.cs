using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Inference;

/// <summary>
/// Classifies what the device records with whatever model is current, off the sampling path: streamers
/// <see cref="Offer"/> inputs into a bounded queue that drops the oldest input when inference falls behind,
/// so sampling never waits for a model. Publishes each answer as a <see cref="Prediction"/> at QoS 1.
/// </summary>
internal sealed class InferenceLoop
{
    private readonly Channel<InferenceRequest> _queue;
    private readonly ModelSlot _models;
    private readonly MqttConnection _connection;
    private readonly EdgeAgentOptions _options;
    private readonly AgentCounters _counters;
    private readonly ILogger _logger;
    private readonly string _topic;

    public InferenceLoop(EdgeAgentOptions options, ModelSlot models, MqttConnection connection, AgentCounters counters, ILogger logger)
    {
        _options = options;
        _models = models;
        _connection = connection;
        _counters = counters;
        _logger = logger;
        _topic = Topics.Predictions(options.Site, options.DeviceId);
        _queue = Channel.CreateBounded<InferenceRequest>(
            new BoundedChannelOptions(options.InferenceQueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => counters.AddInferenceDrop());
    }

    /// <summary>Queues an input; never waits (a full queue drops its oldest input and counts the drop).</summary>
    public void Offer(InferenceRequest request) => _queue.Writer.TryWrite(request);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var request in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            Prediction? prediction;
            using (var lease = _models.Acquire())
            {
                if (lease is null)
                {
                    continue;
                }

                prediction = Infer(lease, request);
            }

            if (prediction is not null)
            {
                await _connection.PublishAsync(_topic, ControlMessageCodec.Encode(prediction), retain: false, cancellationToken);
                _counters.AddPrediction(prediction.PredictedClass == prediction.TrueClass);
            }
        }
    }

    private Prediction? Infer(ModelLease lease, InferenceRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var (input, auxiliary, timestamp) = request switch
            {
                SwingInferenceRequest swing => SwingInput(swing),
                FrameInferenceRequest frame => (DropletImaging.ToModelInput(frame.Frame), frame.Frame.DegradationLevel ?? 0f, frame.InputTimestampMicros),
                _ => throw new InvalidOperationException($"unknown inference request {request.GetType().Name}"),
            };
            if (input is null)
            {
                return null;
            }

            var result = lease.Model.Predict(input, auxiliary);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return new Prediction(
                _options.DeviceId,
                _options.Task,
                lease.Version,
                timestamp,
                result.ClassName,
                float.IsFinite(result.Confidence) ? Math.Clamp(result.Confidence, 0f, 1f) : 0f,
                latency,
                request.TrueClass,
                result.ConcentrationPercent is { } c && float.IsFinite(c) ? c : null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A model that passed its smoke check but fails on some input costs that prediction, not the agent.
            _logger.LogWarning(e, "{Device}: model v{Version} failed on an input", _options.DeviceId, lease.Version);
            return null;
        }
    }

    private (float[]? Input, float Auxiliary, long Timestamp) SwingInput(SwingInferenceRequest swing)
    {
        if (swing.Samples.Length != SwingWindowing.WindowSamples * MotionChannels.Count)
        {
            _logger.LogWarning("{Device}: a swing window of {Values} values is not {Samples} samples of {Channels} channels; skipped",
                _options.DeviceId, swing.Samples.Length, SwingWindowing.WindowSamples, MotionChannels.Count);
            return (null, 0, swing.WindowStartMicros);
        }

        return (SwingWindowing.ToModelInput(swing.Samples), 0, swing.WindowStartMicros);
    }
}

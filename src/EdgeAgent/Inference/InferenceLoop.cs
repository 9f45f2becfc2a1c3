using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;
using Pipeline.Tasks.Droplet;

namespace Pipeline.EdgeAgent.Inference;

/// <summary>
/// Classifies what the device records with whatever model is current, off the sampling path: streamers
/// <see cref="Offer"/> inputs into a bounded queue that drops the oldest input when inference falls behind,
/// so sampling never waits for a model. A frame is segmented into droplets (<see cref="DropletSegmenter"/>), each
/// droplet classified in one batched forward pass, and the frame answered with their mean. Publishes each answer as a
/// <see cref="Prediction"/> at QoS 1.
/// </summary>
internal sealed class InferenceLoop
{
    private readonly Channel<InferenceRequest> _queue;
    private readonly ModelSlot _models;
    private readonly MqttConnection _connection;
    private readonly EdgeAgentOptions _options;
    private readonly AgentTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly string _topic;

    public InferenceLoop(EdgeAgentOptions options, ModelSlot models, MqttConnection connection, AgentTelemetry telemetry, ILogger logger)
    {
        _options = options;
        _models = models;
        _connection = connection;
        _telemetry = telemetry;
        _logger = logger;
        _topic = Topics.Predictions(options.Site, options.DeviceId);
        _queue = Channel.CreateBounded<InferenceRequest>(
            new BoundedChannelOptions(options.InferenceQueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => telemetry.InferenceDropped());
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
                _telemetry.Predicted(prediction.PredictedClass == prediction.TrueClass, prediction.LatencyMs);
            }
        }
    }

    private Prediction? Infer(ModelLease lease, InferenceRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return request switch
            {
                SwingInferenceRequest swing => InferSwing(lease, swing, started),
                FrameInferenceRequest frame => InferFrame(lease, frame, started),
                _ => throw new InvalidOperationException($"unknown inference request {request.GetType().Name}"),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A model that passed its smoke check but fails on some input costs that prediction, not the agent.
            _logger.LogWarning(e, "{Device}: model v{Version} failed on an input", _options.DeviceId, lease.Version);
            return null;
        }
    }

    private Prediction? InferSwing(ModelLease lease, SwingInferenceRequest swing, long started)
    {
        var (input, auxiliary, timestamp) = SwingInput(swing);
        if (input is null)
        {
            return null;
        }

        var result = lease.Model.Predict(input, auxiliary);
        return NewPrediction(lease, timestamp, result.ClassName, result.Confidence, started, swing.TrueClass, result.ConcentrationPercent, null);
    }

    // Every droplet of the frame in one forward pass; the frame's answer is the mean of the droplets' probabilities
    // (and concentrations), as the trainer evaluates it. A frame where no droplet is found is classified whole.
    private Prediction InferFrame(ModelLease lease, FrameInferenceRequest request, long started)
    {
        var crops = DropletSegmenter.Crop(request.Frame);
        var results = lease.Model.PredictBatch([.. crops.Select(c => c.Input)], request.Frame.DegradationLevel ?? 0f);
        var classes = lease.Model.Manifest.Classes;
        var mean = new float[classes.Length];
        foreach (var result in results)
        {
            for (var c = 0; c < mean.Length; c++)
            {
                mean[c] += result.Probabilities![c] / results.Count;
            }
        }

        var best = 0;
        for (var c = 1; c < mean.Length; c++)
        {
            best = mean[c] > mean[best] ? c : best;
        }

        float? concentration = results.All(r => r.ConcentrationPercent.HasValue) ? results.Average(r => r.ConcentrationPercent!.Value) : null;
        DropletPrediction[] droplets = [.. crops.Zip(results)
            .Where(p => !p.First.Droplet.WholeFrame)
            .Select(p => new DropletPrediction(p.First.Droplet.CentreX, p.First.Droplet.CentreY, p.First.Droplet.Diameter, p.Second.ClassName, ValidConfidence(p.Second.Confidence)))];
        return NewPrediction(lease, request.InputTimestampMicros, classes[best], mean[best], started, request.TrueClass, concentration, droplets.Length > 0 ? droplets : null);
    }

    private Prediction NewPrediction(ModelLease lease, long timestamp, string predictedClass, float confidence, long started, string? trueClass, float? concentration, DropletPrediction[]? droplets) =>
        new(
            _options.DeviceId,
            _options.Task,
            lease.Version,
            timestamp,
            predictedClass,
            ValidConfidence(confidence),
            Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            trueClass,
            concentration is { } c && float.IsFinite(c) ? c : null,
            droplets);

    private static float ValidConfidence(float confidence) => float.IsFinite(confidence) ? Math.Clamp(confidence, 0f, 1f) : 0f;

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

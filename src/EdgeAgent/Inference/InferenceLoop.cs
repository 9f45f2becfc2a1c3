using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.Tasks;
using Pipeline.Tasks.Inference;

namespace Pipeline.EdgeAgent.Inference;

/// <summary>
/// Classifies what the device records with whatever model is current, off the sampling path: streamers
/// <see cref="Offer"/> inputs into a bounded queue that drops the oldest input when inference falls behind,
/// so sampling never waits for a model. The task turns each input into the model's inputs, run in one forward pass, and
/// the model's answers into the prediction (<see cref="ITaskInference"/>): a swing window is one input, a frame one per
/// droplet. Publishes each answer as a <see cref="Prediction"/> at QoS 1, tagged with the model's version and the time it took.
/// </summary>
internal sealed class InferenceLoop
{
    private readonly Channel<InferenceRequest> _queue;
    private readonly ModelSlot _models;
    private readonly MqttConnection _connection;
    private readonly EdgeAgentOptions _options;
    private readonly ILearningTask _task;
    private readonly AgentTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly string _topic;

    public InferenceLoop(EdgeAgentOptions options, ILearningTask task, ModelSlot models, MqttConnection connection, AgentTelemetry telemetry, ILogger logger)
    {
        _options = options;
        _task = task;
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
        InferenceQuery query;
        try
        {
            query = _task.Inference.Prepare(request.Recorded);
        }
        catch (ArgumentException e)
        {
            _logger.LogWarning("{Device}: an input was skipped: {Problem}", _options.DeviceId, e.Message);
            return null;
        }

        TaskAnswer answer;
        try
        {
            answer = lease.Model.Ask(query);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A model that passed its smoke check but fails on some input costs that prediction, not the agent.
            _logger.LogWarning(e, "{Device}: model v{Version} failed on an input", _options.DeviceId, lease.Version);
            return null;
        }

        // The model's numbers are checked here, whatever the task: a prediction carries a confidence in 0..1 and a finite concentration.
        return new Prediction(
            _options.DeviceId,
            _task.Name,
            lease.Version,
            request.InputTimestampMicros,
            answer.PredictedClass,
            ValidConfidence(answer.Confidence),
            Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            request.TrueClass,
            answer.ConcentrationPercent is { } c && float.IsFinite(c) ? c : null,
            answer.Droplets is null ? null : [.. answer.Droplets.Select(d => d with { Confidence = ValidConfidence(d.Confidence) })]);
    }

    private static float ValidConfidence(float confidence) => float.IsFinite(confidence) ? Math.Clamp(confidence, 0f, 1f) : 0f;
}

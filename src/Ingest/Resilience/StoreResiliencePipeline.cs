using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Pipeline.Ingest.Observability;
using Pipeline.Storage;

namespace Pipeline.Ingest.Resilience;

/// <summary>
/// The Polly pipeline around every store write, outermost first: retry (exponential backoff with jitter), circuit
/// breaker (opens when too many attempts fail, lets one probe through after its break), per-attempt timeout.
/// A store's <see cref="InvalidTelemetryException"/> means "this item is invalid": it is neither retried nor counted
/// against the store. An <see cref="ArgumentException"/> is a bug in ingest, which no retry mends: it is neither, and it
/// stops the write loop. An open circuit is not retried either: the caller spills at once instead of waiting.
/// </summary>
internal sealed class StoreResiliencePipeline
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private int _down;

    public StoreResiliencePipeline(IOptions<IngestOptions> options, TimeProvider time, IngestTelemetry telemetry, ILogger<StoreResiliencePipeline> logger)
    {
        var settings = options.Value;
        var storeFailure = new PredicateBuilder().Handle<Exception>(IsStoreFailure);
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = storeFailure,
                MaxRetryAttempts = settings.StoreRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.StoreRetryBaseDelay,
                MaxDelay = settings.StoreRetryMaxDelay,
                OnRetry = args =>
                {
                    logger.LogWarning("store write failed (attempt {Attempt}): {Error}; retrying in {Delay} ms", args.AttemptNumber + 1,
                        args.Outcome.Exception?.Message, (int)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = storeFailure,
                FailureRatio = settings.StoreCircuitFailureRatio,
                MinimumThroughput = settings.StoreCircuitMinimumThroughput,
                SamplingDuration = settings.StoreCircuitSampling,
                BreakDuration = settings.StoreCircuitBreak,
                StateProvider = _circuit,
                OnOpened = args =>
                {
                    // A failed probe opens the circuit again: say so quietly, the store was already reported down.
                    if (Interlocked.Exchange(ref _down, 1) == 1)
                    {
                        logger.LogDebug("store still down: circuit open again for {Break} ms", (int)args.BreakDuration.TotalMilliseconds);
                        return default;
                    }

                    logger.LogError("store is down: circuit opened for {Break} ms after {Error}; batches spill to disk meanwhile",
                        (int)args.BreakDuration.TotalMilliseconds, args.Outcome.Exception?.Message);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    logger.LogDebug("store circuit half-open: probing the store with the next write");
                    return default;
                },
                OnClosed = _ =>
                {
                    Interlocked.Exchange(ref _down, 0);
                    logger.LogWarning("store is back: circuit closed");
                    return default;
                },
            })
            .AddTimeout(settings.StoreAttemptTimeout)
            .Build();
        telemetry.ObserveCircuit(() => _circuit.CircuitState);
    }

    public CircuitState CircuitState => _circuit.CircuitState;

    /// <summary>Runs one store write through the pipeline; <paramref name="write"/> must honour the token it is given (the attempt's timeout).</summary>
    public ValueTask ExecuteAsync(Func<CancellationToken, ValueTask> write, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(write, cancellationToken);

    /// <summary>Whether an exception from a store write says the store failed (worth retrying, counted by the breaker).</summary>
    public static bool IsStoreFailure(Exception exception) =>
        exception is not (OperationCanceledException or InvalidTelemetryException or ArgumentException or BrokenCircuitException);

    /// <summary>Whether an exception means the pipeline gave up on the store (retries exhausted, the last attempt timed out or failed, or the circuit is open).</summary>
    public static bool IsGivenUp(Exception exception) => exception is BrokenCircuitException || IsStoreFailure(exception);
}

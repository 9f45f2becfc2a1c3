using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// How a connection retries the broker: a Polly retry without an attempt limit, exponential backoff from
/// <see cref="FirstDelay"/> up to <see cref="BrokerOptions.ReconnectMaxDelaySeconds"/>, with jitter so that a
/// fleet of agents cut off together does not reconnect in lockstep when the broker returns.
/// </summary>
internal static class ReconnectPolicy
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>A pipeline that runs a connect attempt (true when connected) until it succeeds or the token fires.</summary>
    public static ResiliencePipeline<bool> Create(BrokerOptions broker, string clientId, ILogger logger) =>
        new ResiliencePipelineBuilder<bool>()
            .AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = new PredicateBuilder<bool>()
                    .HandleResult(connected => !connected)
                    .Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstDelay,
                MaxDelay = TimeSpan.FromSeconds(broker.ReconnectMaxDelaySeconds),
                OnRetry = args =>
                {
                    var why = args.Outcome.Exception?.Message ?? "the broker did not accept the connection";
                    if (args.AttemptNumber == 0)
                    {
                        logger.LogInformation("{ClientId}: cannot reach {Host}:{Port} ({Why}); retrying with backoff up to {Max} s",
                            clientId, broker.Host, broker.Port, why, broker.ReconnectMaxDelaySeconds);
                    }
                    else
                    {
                        logger.LogDebug("{ClientId}: connect attempt {Attempt} failed ({Why}); next in {Delay} ms",
                            clientId, args.AttemptNumber + 1, why, args.RetryDelay.TotalMilliseconds);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>
    /// The same backoff for a publish or subscribe interrupted by a dropped link: the retry waits for the reconnect
    /// anyway, so this only keeps it from spinning.
    /// </summary>
    public static TimeSpan RetryDelay(int attempt, BrokerOptions broker)
    {
        var baseMs = Math.Min(broker.ReconnectMaxDelaySeconds * 1000, FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 10)));
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}

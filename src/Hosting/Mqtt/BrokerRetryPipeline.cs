using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// The one way a connection retries the broker, whether it connects, publishes or subscribes: a Polly retry without an
/// attempt limit, exponential backoff from <see cref="FirstDelay"/> up to <see cref="BrokerOptions.ReconnectMaxDelay"/>,
/// with jitter so that a fleet of agents cut off together does not come back in lockstep (<see cref="Backoff"/>). It
/// retries whatever the broker may still accept later (a failed connect, a publish or subscribe cut off by a dropped
/// link, a publish refused with "quota exceeded"); a refusal for good (<see cref="MqttPublishException"/>) and a
/// cancellation end it.
/// </summary>
internal static class BrokerRetryPipeline
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);

    /// <param name="lifetime">The connection's own lifetime: once it ends, nothing is retried.</param>
    public static ResiliencePipeline Create(BrokerOptions broker, string clientId, ILogger logger, CancellationToken lifetime) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // A caller that gave up gets its cancellation: from the attempt, or from the backoff that follows a failed one.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && e is not MqttPublishException
                    && !(e is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested) && !lifetime.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(args.AttemptNumber, broker)),
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception!;
                    if (args.AttemptNumber == 0 && error is BrokerNotReadyException notReady)
                    {
                        logger.LogInformation("{ClientId}: {Problem} ({Why}); retrying with backoff up to {Max}", clientId, notReady.Problem, notReady.Why, broker.ReconnectMaxDelay);
                    }
                    else
                    {
                        // A publish or subscribe cut off by a dropped link says nothing the disconnect did not already say.
                        logger.LogDebug("{ClientId}: attempt {Attempt} failed ({Why}); next in {Delay} ms",
                            clientId, args.AttemptNumber + 1, (error as BrokerNotReadyException)?.Why ?? error.Message, args.RetryDelay.TotalMilliseconds);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> (0 for the first): doubling from <see cref="FirstDelay"/> up to the
    /// cap, then jittered down by at most half. So no retry comes sooner than 50 ms, which the edge outbox's publisher
    /// counts on to stop the retries of publishes cut off by a lost link before any is sent (they could overtake each other).
    /// </summary>
    public static TimeSpan Backoff(int attempt, BrokerOptions broker)
    {
        var ceiling = Math.Min(broker.ReconnectMaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}

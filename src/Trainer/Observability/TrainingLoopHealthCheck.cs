using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Pipeline.Settings;

namespace Pipeline.Trainer.Observability;

/// <summary>
/// Unhealthy when the training loop has shown no sign of life (a store poll, a minibatch, an epoch, a round) for
/// longer than <see cref="TrainingLoopHealthOptions.StallAfter"/>: a hung store read or a deadlocked stage would
/// otherwise leave a trainer that looks up and never trains.
/// </summary>
internal sealed class TrainingLoopHealthCheck(TrainerTelemetry telemetry, IOptions<TrainingLoopHealthOptions> options) : IHealthCheck
{
    public const string Name = "training-loop";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var since = telemetry.SinceHeartbeat;
        var bound = options.Value.StallAfter;
        return Task.FromResult(since <= bound
            ? HealthCheckResult.Healthy($"last progress {since.TotalSeconds:F0} s ago")
            : HealthCheckResult.Unhealthy($"no progress for {since.TotalSeconds:F0} s (Trainer:StallAfter is {SettingProblems.Duration(bound)})"));
    }
}

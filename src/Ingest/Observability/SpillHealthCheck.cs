using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Ingest.Spilling;

namespace Pipeline.Ingest.Observability;

/// <summary>
/// Unhealthy once the on-disk spill is nearly full (<see cref="FullFraction"/> of its cap): a spill at its cap makes
/// ingest stop acknowledging, so the broker starts holding everything; the probe says so before that.
/// </summary>
internal sealed class SpillHealthCheck(SpillBuffer spill) : IHealthCheck
{
    public const string Name = "spill";
    public const double FullFraction = 0.9;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var bytes = spill.Bytes;
        var description = $"spill holds {bytes} of {spill.MaxBytes} bytes ({spill.Records} messages) in {spill.Folder}";
        return Task.FromResult(bytes < FullFraction * spill.MaxBytes
            ? HealthCheckResult.Healthy(description)
            : HealthCheckResult.Unhealthy($"{description}: nearly full, the store has been unavailable for long"));
    }
}

using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.Hosting.Health;

/// <summary>
/// Healthy when one cheap real call to a dependency (a store read, say) returns within <see cref="Timeout"/>; the
/// description says how long it took, or what failed.
/// </summary>
internal sealed class ReachabilityHealthCheck(string dependency, Func<CancellationToken, Task> probe) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await probe(deadline.Token);
            return HealthCheckResult.Healthy($"{dependency} answered in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{dependency} did not answer within {Timeout.TotalSeconds:F0} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{dependency} unreachable: {e.Message}");
        }
    }
}

public static class ReachabilityHealthCheckExtensions
{
    /// <summary>
    /// Adds a <see cref="ReachabilityHealthCheck"/> named <paramref name="name"/> that probes the registered
    /// <typeparamref name="TService"/>, once: components sharing a host and a dependency (ingest and the trainer in
    /// <c>pipeline up</c> share the store) add the same check, and duplicate names would fail the health service.
    /// </summary>
    public static IHealthChecksBuilder AddReachabilityCheck<TService>(this IHealthChecksBuilder builder, string name, Func<TService, CancellationToken, Task> probe)
        where TService : notnull
    {
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            if (!options.Registrations.Any(r => r.Name == name))
            {
                options.Registrations.Add(new HealthCheckRegistration(name,
                    provider => new ReachabilityHealthCheck(name, ct => probe(provider.GetRequiredService<TService>(), ct)), failureStatus: null, tags: null));
            }
        });
        return builder;
    }
}

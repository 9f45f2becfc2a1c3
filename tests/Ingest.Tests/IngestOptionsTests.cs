using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Hosting;
using Pipeline.TestSupport;

namespace Pipeline.Ingest.Tests;

public sealed class IngestOptionsTests
{
    [Fact]
    public async Task Start_WithImpossibleSettings_FailsNamingEachSetting()
    {
        using var data = new TemporaryFolder("ingest-options");
        var builder = ServiceDefaults.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Ingest:DataFolder"] = data.Path,
            ["Ingest:BatchSize"] = "0",
            ["Ingest:ReceiveQueueCapacity"] = "-5",
            ["Ingest:InFlightMessages"] = "70000",
            ["Ingest:ClientId"] = "has spaces/and slashes",
        });
        builder.Services.AddIngest(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));

        Assert.Contains(error.Failures, f => f.Contains("Ingest:BatchSize 0", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Ingest:ReceiveQueueCapacity -5", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Ingest:InFlightMessages 70000", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Ingest:ClientId", StringComparison.Ordinal));
    }

    [Fact]
    public void ImpossibleResilienceAndSpillSettings_AreRefusedNamingEachSetting()
    {
        var result = new IngestOptionsValidator().Validate(null, new IngestOptions
        {
            StoreRetryAttempts = -1,
            StoreCircuitFailureRatio = 1.5,
            StoreCircuitMinimumThroughput = 1,
            StoreCircuitBreakMilliseconds = 10,
            StoreAttemptTimeoutMilliseconds = 0,
            SpillSegmentBytes = 100,
            SpillMaxBytes = 50,
        });

        Assert.False(result.Succeeded);
        foreach (var setting in new[] { "StoreRetryAttempts -1", "StoreCircuitFailureRatio 1.5", "StoreCircuitMinimumThroughput 1", "StoreCircuitBreakMilliseconds 10",
                     "StoreAttemptTimeoutMilliseconds 0", "SpillSegmentBytes 100", "SpillMaxBytes 50" })
        {
            Assert.Contains(result.Failures!, f => f.Contains($"Ingest:{setting}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Defaults_PassValidation()
    {
        Assert.True(new IngestOptionsValidator().Validate(null, new IngestOptions()).Succeeded);
    }
}

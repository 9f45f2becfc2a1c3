using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Hosting;
using Pipeline.Settings;
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
        var problems = CheckedSettingsRegistration.Problems(new IngestOptions
        {
            StoreRetryAttempts = -1,
            StoreCircuitFailureRatio = 1.5,
            StoreCircuitMinimumThroughput = 1,
            StoreCircuitBreak = TimeSpan.FromMilliseconds(10),
            StoreAttemptTimeout = TimeSpan.Zero,
            SpillSegmentBytes = 100,
            SpillMaxBytes = 50,
        });

        foreach (var setting in new[] { "StoreRetryAttempts -1", "StoreCircuitFailureRatio 1.5", "StoreCircuitMinimumThroughput 1", "StoreCircuitBreak 00:00:00.0100000",
                     "StoreAttemptTimeout 00:00:00", "SpillSegmentBytes 100", "SpillMaxBytes 50" })
        {
            Assert.Contains(problems, f => f.Contains($"Ingest:{setting}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Defaults_PassValidation()
    {
        Assert.Empty(CheckedSettingsRegistration.Problems(new IngestOptions()));
    }

    [Fact]
    public async Task Start_WithDurations_ReadsThemAsTimeSpans()
    {
        using var data = new TemporaryFolder("ingest-options");
        using var host = Build(data, new() { ["Ingest:BatchMaxDelay"] = "00:00:00.050", ["Ingest:StoreCircuitBreak"] = "00:00:03" });

        await host.StartAsync(CancellationToken.None);
        var options = host.Services.GetRequiredService<IOptions<IngestOptions>>().Value;
        await host.StopAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromMilliseconds(50), options.BatchMaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(3), options.StoreCircuitBreak);
    }

    [Fact]
    public async Task Start_WithAKeyOfAnEarlierRelease_FailsNamingTheKeyThatReplacedIt()
    {
        using var data = new TemporaryFolder("ingest-options");
        using var host = Build(data, new() { ["Ingest:BatchMaxDelayMilliseconds"] = "20" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));

        var failure = Assert.Single(error.Failures);
        Assert.Contains("Ingest:BatchMaxDelayMilliseconds was renamed: set Ingest:BatchMaxDelay", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("20")]
    public async Task Start_WithADurationThatIsNotOne_FailsNamingTheKey(string value)
    {
        // "20" reads as 20 days, which the range check refuses: a bare number never passes for milliseconds.
        using var data = new TemporaryFolder("ingest-options");
        using var host = Build(data, new() { ["Ingest:BatchMaxDelay"] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));

        Assert.Contains(error.Failures, f => f.Contains("Ingest:BatchMaxDelay", StringComparison.Ordinal));
    }

    private static IHost Build(TemporaryFolder data, Dictionary<string, string?> settings)
    {
        settings["Ingest:DataFolder"] = data.Path;
        var builder = ServiceDefaults.CreateBuilder([], settings);
        builder.Services.AddIngest(builder.Configuration);
        return builder.Build();
    }
}

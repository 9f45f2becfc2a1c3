using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Observability;
using Pipeline.Storage;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// Our rate: ingest runs in this process against mosquitto and one store backend; publishers send a load of
/// motion batches, and the clock runs from the first publish until ingest has stored every sample (it counts a
/// sample once its store write returned; the store's own count is checked afterwards).
/// </summary>
public sealed class EndToEndIngest : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly BrokerOptions _broker;
    private long _expectedSamples;

    private EndToEndIngest(IHost host, BrokerOptions broker)
    {
        _host = host;
        _broker = broker;
    }

    public static async Task<EndToEndIngest> StartAsync(BrokerOptions broker, string dataFolder, IEnumerable<KeyValuePair<string, string?>> storeSettings, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Broker:Host"] = broker.Host,
            ["Broker:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest:DataFolder"] = dataFolder,
            ["Ingest:ClientId"] = $"bench-ingest-{Guid.NewGuid():N}"[..24],
            ["Ingest:MaxFutureSkewSeconds"] = "86400",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in storeSettings)
        {
            settings[key] = value;
        }

        var builder = ServiceDefaults.CreateBuilder([], settings);
        builder.Services.AddIngest(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        await host.Services.GetRequiredService<IngestService>().Subscribed.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return new EndToEndIngest(host, broker);
    }

    public async Task<double> MeasureSamplesPerSecondAsync(MotionLoad load, CancellationToken cancellationToken)
    {
        var statistics = _host.Services.GetRequiredService<IngestStatistics>();
        _expectedSamples += load.Samples;
        var started = Stopwatch.GetTimestamp();
        var publishing = LoadPublisher.PublishAsync(_broker, load.Messages, connections: 4, window: 100, fixedTopic: null, cancellationToken);
        var deadline = started + Stopwatch.Frequency * 120;
        while (statistics.MotionSamples < _expectedSamples)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"ingest stored {statistics.MotionSamples} of {_expectedSamples} samples within 120 s ({statistics})");
            }

            await Task.Delay(2, cancellationToken);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        await publishing;
        var counted = (await _host.Services.GetRequiredService<ITelemetryStore>().CountAsync(cancellationToken)).MotionSamples;
        if (counted != _expectedSamples)
        {
            throw new InvalidOperationException($"the store counts {counted} samples; {_expectedSamples} were published");
        }

        return load.Samples / elapsed.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

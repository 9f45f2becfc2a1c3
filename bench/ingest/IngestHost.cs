using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Observability;
using Pipeline.Storage;

namespace Pipeline.Ingest.Bench;

/// <summary>One ingest, configured as `dotnet run --project src/Ingest` would be, in this process against mosquitto and one store backend.</summary>
public static class IngestHost
{
    public static IHost Build(BrokerOptions broker, string dataFolder, string clientId, IEnumerable<KeyValuePair<string, string?>> storeSettings)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Broker:Host"] = broker.Host,
            ["Broker:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest:DataFolder"] = dataFolder,
            ["Ingest:ClientId"] = clientId,
            ["Ingest:MaxFutureSkew"] = "1.00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in storeSettings)
        {
            settings[key] = value;
        }

        var builder = ServiceDefaults.CreateBuilder([], settings);
        builder.Services.AddIngest(builder.Configuration);
        return builder.Build();
    }

    /// <summary>
    /// Creates the host's services without starting them: ingest's store and spill are opened (and their files scanned),
    /// so that starting the host afterwards is connecting and draining alone.
    /// </summary>
    public static void CreateServices(IHost host) => _ = host.Services.GetServices<IHostedService>().ToList();

    /// <summary>Starts the host and waits until its subscriptions are in place.</summary>
    public static async Task StartAsync(IHost host, CancellationToken cancellationToken)
    {
        await host.StartAsync(cancellationToken);
        await host.Services.GetRequiredService<IngestService>().Subscribed.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>Waits (polling, with a deadline: <paramref name="patience"/>, 120 s unless given) until ingest has stored <paramref name="expectedSamples"/> motion samples.</summary>
    public static async Task WaitForStoredAsync(IHost host, long expectedSamples, CancellationToken cancellationToken, TimeSpan? patience = null)
    {
        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        var limit = patience ?? TimeSpan.FromSeconds(120);
        var deadline = DateTime.UtcNow + limit;
        while (telemetry.Totals.MotionSamples < expectedSamples)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"ingest stored {telemetry.Totals.MotionSamples} of {expectedSamples} samples within {limit.TotalSeconds:0} s ({telemetry})");
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    /// <summary>Checks the store's own count against what was published, so a figure never counts a sample that is not there.</summary>
    public static async Task CheckStoredAsync(IHost host, long expectedSamples, CancellationToken cancellationToken)
    {
        var counted = (await host.Services.GetRequiredService<ITelemetryStore>().CountAsync(cancellationToken)).MotionSamples;
        if (counted != expectedSamples)
        {
            throw new InvalidOperationException($"the store counts {counted} samples; {expectedSamples} were published");
        }
    }
}

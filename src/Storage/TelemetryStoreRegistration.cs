using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Pipeline.Settings;
using Pipeline.Storage.Embedded;
using Pipeline.Storage.Influx;
using Pipeline.Storage.Influx2;

namespace Pipeline.Storage;

/// <summary>
/// Registers the store that configuration names ("Store:Backend"), so ingest, the trainer and the local runner
/// choose their backend the same way. The embedded store lives in "&lt;dataFolder&gt;/store"; InfluxDB (1.x and 2.x) keeps frame
/// pixels in "&lt;dataFolder&gt;/blobs" unless "Influx:BlobFolder" or "Influx2:BlobFolder" says otherwise.
/// </summary>
public static class TelemetryStoreRegistration
{
    public static IServiceCollection AddConfiguredTelemetryStore(this IServiceCollection services, IConfiguration configuration, string dataFolder, StoreAccess access)
    {
        if (services.Any(d => d.ServiceType == typeof(ITelemetryStore)))
        {
            return services;
        }

        // Checked while the services are composed, not at start: the backend decides what is registered.
        var backend = new StoreBackendOptions();
        CheckedSettingsRegistration.Bind(configuration.GetSection(StoreBackendOptions.Section), backend);
        CheckedSettingsRegistration.ThrowIfInvalid(backend);
        if (backend.Backend == StoreBackendOptions.Influx)
        {
            return services.AddInfluxTelemetryStore(options =>
            {
                options.BlobFolder = Path.Combine(dataFolder, "blobs");
                CheckedSettingsRegistration.Bind(configuration.GetSection(InfluxOptions.Section), options);
            });
        }

        if (backend.Backend == StoreBackendOptions.Influx2)
        {
            return services.AddInflux2TelemetryStore(options =>
            {
                options.BlobFolder = Path.Combine(dataFolder, "blobs");
                CheckedSettingsRegistration.Bind(configuration.GetSection(Influx2Options.Section), options);
            });
        }

        services.TryAddSingleton<ITelemetryStore>(provider =>
        {
            var logger = provider.GetService<ILoggerFactory>()?.CreateLogger<EmbeddedTelemetryStore>();
            var root = Path.Combine(dataFolder, "store");
            return access == StoreAccess.ReadWrite ? EmbeddedTelemetryStore.Open(root, logger) : EmbeddedTelemetryStore.OpenReadOnly(root, logger);
        });
        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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

        var backend = configuration.GetSection(StoreBackendOptions.Section).Get<StoreBackendOptions>() ?? new StoreBackendOptions();
        switch (backend.Backend)
        {
            case StoreBackendOptions.Embedded:
                services.TryAddSingleton<ITelemetryStore>(provider =>
                {
                    var logger = provider.GetService<ILoggerFactory>()?.CreateLogger<EmbeddedTelemetryStore>();
                    var root = Path.Combine(dataFolder, "store");
                    return access == StoreAccess.ReadWrite ? EmbeddedTelemetryStore.Open(root, logger) : EmbeddedTelemetryStore.OpenReadOnly(root, logger);
                });
                return services;
            case StoreBackendOptions.Influx:
                try
                {
                    return services.AddInfluxTelemetryStore(options =>
                    {
                        options.BlobFolder = Path.Combine(dataFolder, "blobs");
                        configuration.GetSection(InfluxOptions.Section).Bind(options);
                    });
                }
                catch (ArgumentException e)
                {
                    throw new OptionsValidationException(InfluxOptions.Section, typeof(InfluxOptions), [e.Message]);
                }
            case StoreBackendOptions.Influx2:
                try
                {
                    return services.AddInflux2TelemetryStore(options =>
                    {
                        options.BlobFolder = Path.Combine(dataFolder, "blobs");
                        configuration.GetSection(Influx2Options.Section).Bind(options);
                    });
                }
                catch (ArgumentException e)
                {
                    throw new OptionsValidationException(Influx2Options.Section, typeof(Influx2Options), [e.Message]);
                }
            default:
                throw new OptionsValidationException(StoreBackendOptions.Section, typeof(StoreBackendOptions),
                    [$"Store:Backend \"{backend.Backend}\" is unknown (expected {StoreBackendOptions.Embedded}, {StoreBackendOptions.Influx} or {StoreBackendOptions.Influx2})"]);
        }
    }
}

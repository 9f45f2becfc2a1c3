using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Settings;

namespace Pipeline.Storage.Influx;

internal static class InfluxTelemetryStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the InfluxDB 1.x store as the singleton <see cref="ITelemetryStore"/>. The options are checked
    /// here, at start-up; the database is created on the store's first use.
    /// </summary>
    public static IServiceCollection AddInfluxTelemetryStore(this IServiceCollection services, Action<InfluxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new InfluxOptions();
        configure(options);
        CheckedSettingsRegistration.ThrowIfInvalid(options);
        services.AddSingleton(options);
        services.AddSingleton<ITelemetryStore>(provider =>
            new InfluxTelemetryStore(options, provider.GetService<ILoggerFactory>()?.CreateLogger<InfluxTelemetryStore>()));
        return services;
    }
}

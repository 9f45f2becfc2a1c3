using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Settings;

namespace Pipeline.Storage.Influx2;

internal static class Influx2TelemetryStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the InfluxDB 2.x store as the singleton <see cref="ITelemetryStore"/>. The options are checked here, at
    /// start-up, and an <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> lists every problem (never the token's value).
    /// </summary>
    public static IServiceCollection AddInflux2TelemetryStore(this IServiceCollection services, Action<Influx2Options> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new Influx2Options();
        configure(options);
        CheckedSettingsRegistration.ThrowIfInvalid(options);
        services.AddSingleton(options);
        services.AddSingleton<ITelemetryStore>(provider =>
            new Influx2TelemetryStore(options, provider.GetService<ILoggerFactory>()?.CreateLogger<Influx2TelemetryStore>()));
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Storage.Embedded;

internal static class TelemetryStoreServiceCollectionExtensions
{
    /// <summary>Registers the embedded store, opened for writing under <paramref name="rootFolder"/>, as the singleton <see cref="ITelemetryStore"/>.</summary>
    public static IServiceCollection AddEmbeddedTelemetryStore(this IServiceCollection services, string rootFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootFolder);
        services.AddSingleton<ITelemetryStore>(provider =>
            EmbeddedTelemetryStore.Open(rootFolder, provider.GetService<ILoggerFactory>()?.CreateLogger<EmbeddedTelemetryStore>()));
        return services;
    }
}

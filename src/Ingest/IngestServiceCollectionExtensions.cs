using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Ingest.Admission;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Quarantining;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Resilience;
using Pipeline.Ingest.Spilling;
using Pipeline.Ingest.Status;
using Pipeline.Ingest.Writing;
using Pipeline.Hosting.Health;
using Pipeline.Settings;
using Pipeline.Storage;
using Pipeline.Tasks;

namespace Pipeline.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>
    /// Adds ingest as a hosted service, with its options from the "Ingest" section (checked at start), taking the data
    /// streams of every registered learning task (the built-in ones, and any added with <c>AddLearningTask</c>).
    /// Unless an <see cref="ITelemetryStore"/> is already registered, registers the one "Store:Backend" names (embedded under Ingest:DataFolder/store by default).
    /// Needs the shared hosting defaults (<c>AddServiceDefaults</c>): broker options, metrics and a <see cref="TimeProvider"/>.
    /// <see cref="IngestTelemetry"/> and <see cref="DeviceStatusBoard"/> can be resolved to watch it.
    /// Its readiness checks (besides the broker's): the store answers a read, the spill is not nearly full.
    /// Store writes go through <see cref="StoreResiliencePipeline"/>; what the store cannot take spills to <see cref="SpillBuffer"/> (Ingest:SpillFolder).
    /// </summary>
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedSettings<IngestOptions>(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddConfiguredTelemetryStore(configuration, configuration[$"{IngestOptions.Section}:{nameof(IngestOptions.DataFolder)}"] ?? new IngestOptions().DataFolder, StoreAccess.ReadWrite);
        services.AddLearningTasks();
        services.TryAddSingleton<IngestTelemetry>();
        services.TryAddSingleton<DeviceStatusBoard>();
        services.TryAddSingleton<UnacknowledgedMessages>();
        services.TryAddSingleton<Quarantine>();
        services.TryAddSingleton<TelemetryValidator>();
        services.TryAddSingleton<DeviceAdmission>();
        services.TryAddSingleton<TelemetryDecoder>();
        services.TryAddSingleton<DecodeStage>();
        services.TryAddSingleton<StoreResiliencePipeline>();
        services.TryAddSingleton<ResilientStoreWriter>();
        services.TryAddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<IngestOptions>>().Value;
            var spill = SpillBuffer.Open(settings.ResolvedSpillFolder, settings.SpillMaxBytes, settings.SpillSegmentBytes,
                provider.GetRequiredService<ILoggerFactory>().CreateLogger<SpillBuffer>());
            provider.GetRequiredService<IngestTelemetry>().ObserveSpill(spill);
            return spill;
        });
        services.TryAddSingleton<SpillDrainer>();
        services.TryAddSingleton<BatchingStoreWriter>();
        services.TryAddSingleton<IngestService>();
        services.AddHostedService(provider => provider.GetRequiredService<IngestService>());
        services.AddHostedService<DeviceStatusSnapshotter>();
        services.AddHealthChecks()
            .AddReachabilityCheck<ITelemetryStore>(StoreProbe.Name, StoreProbe.RunAsync)
            .AddCheck<SpillHealthCheck>(SpillHealthCheck.Name);
        return services;
    }
}

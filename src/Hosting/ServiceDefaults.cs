using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Pipeline.Hosting.Health;
using Pipeline.Hosting.Http;
using Pipeline.Hosting.Logs;
using Pipeline.Hosting.Mqtt;
using Pipeline.Hosting.Observability;
using Pipeline.Hosting.Shutdown;
using Pipeline.Settings;

namespace Pipeline.Hosting;

/// <summary>
/// The one hosting setup that Ingest, Trainer, EdgeAgent and the all-in-one runner share, so configuration,
/// logging, metrics, health and the HTTP endpoints look the same everywhere. Configuration precedence, lowest to highest:
/// the executable's own defaults, appsettings.json, environment variables prefixed PIPELINE_ (with "__" for ":"),
/// overrides, the command line.
/// </summary>
public static class ServiceDefaults
{
    public const string EnvironmentPrefix = "PIPELINE_";

    /// <summary>Every meter of the code base is named "Pipeline.&lt;component&gt;"; all of them are exported.</summary>
    public const string MeterNames = "Pipeline.*";

    /// <remarks>
    /// Every component also accepts <c>--broker host:port</c> as a short form of <c>--Broker:Host host --Broker:Port port</c>.
    /// A malformed value fails like any other invalid option, with <see cref="OptionsValidationException"/>.
    /// </remarks>
    /// <param name="defaults">
    /// The executable's own defaults (the standalone ingest's HTTP port, say), below every other source, so that the
    /// library's in-process hosts keep the library's defaults.
    /// </param>
    public static HostApplicationBuilder CreateBuilder(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null,
        IEnumerable<KeyValuePair<string, string?>>? defaults = null)
    {
        args = BrokerArgument.Expand(args);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
        builder.Configuration
            .AddInMemoryCollection(LastWins(defaults ?? []))
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddInMemoryCollection(LastWins(overrides ?? []))
            .AddCommandLine(args);
        builder.AddServiceDefaults();
        return builder;
    }

    /// <summary>Later overrides of the same key replace earlier ones, as later configuration sources do.</summary>
    private static Dictionary<string, string?> LastWins(IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in overrides)
        {
            merged[key] = value;
        }

        return merged;
    }

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        LogFormat.AddConsole(builder.Logging, builder.Configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddCheckedSettings<BrokerOptions>(builder.Configuration);
        builder.Services.AddSingleton<MqttTelemetry>();
        builder.Services.AddSingleton(provider => new MqttConnectionFactory(
            provider.GetRequiredService<IOptions<BrokerOptions>>(), provider.GetRequiredService<ILoggerFactory>(), provider.GetRequiredService<MqttTelemetry>()));
        builder.AddShutdownTimeout();
        builder.AddMetricsExport();
        builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>(BrokerHealthCheck.Name);
        builder.Services.AddCheckedSettings<HttpEndpointOptions>(builder.Configuration);
        builder.Services.AddHostedService<HttpEndpoints>();
        return builder;
    }

    private static void AddShutdownTimeout(this IHostApplicationBuilder builder)
    {
        builder.Services.AddCheckedSettings<ShutdownOptions>(builder.Configuration);
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Timeout);
    }

    /// <summary>Every Pipeline meter to the Prometheus scrape endpoint, and over OTLP when an endpoint is configured.</summary>
    private static void AddMetricsExport(this IHostApplicationBuilder builder)
    {
        var otlp = OtlpSettings.From(builder.Configuration);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService($"pipeline-{builder.Environment.ApplicationName.ToLowerInvariant()}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(MeterNames).AddPrometheusExporter();
                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(exporter =>
                    {
                        exporter.Protocol = otlp.Protocol;
                        // Set in code, the endpoint is taken as it is: over HTTP it must name the metrics path itself.
                        exporter.Endpoint = otlp.Protocol == OtlpExportProtocol.HttpProtobuf && otlp.Endpoint.AbsolutePath == "/"
                            ? new Uri(otlp.Endpoint, "v1/metrics")
                            : otlp.Endpoint;
                    });
                }
            });
    }
}

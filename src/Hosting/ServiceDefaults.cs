using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Hosting;

/// <summary>
/// The one hosting setup that Ingest, Trainer, EdgeAgent and the all-in-one runner share, so configuration,
/// logging and metrics look the same everywhere. Configuration precedence, lowest to highest:
/// appsettings.json, environment variables prefixed PIPELINE_ (with "__" for ":"), the command line.
/// </summary>
public static class ServiceDefaults
{
    public const string EnvironmentPrefix = "PIPELINE_";

    /// <remarks>
    /// Every component also accepts <c>--broker host:port</c> as a short form of <c>--Broker:Host host --Broker:Port port</c>.
    /// A malformed value fails like any other invalid option, with <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>.
    /// </remarks>
    public static HostApplicationBuilder CreateBuilder(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        args = BrokerArgument.Expand(args);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
        builder.Configuration
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
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<BrokerOptions>()
            .Bind(builder.Configuration.GetSection(BrokerOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Validate() is null, "Broker options are invalid")
            .ValidateOnStart();
        builder.Services.AddSingleton<MqttConnectionFactory>();
        return builder;
    }
}

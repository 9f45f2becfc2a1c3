using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Pipeline.Hosting.Logs;

/// <summary>
/// How a component writes its log to the console, from <c>Logging:Format</c>: <c>simple</c> (the default), one line per
/// entry with a time of day, for a person at a terminal; <c>json</c>, one JSON object per line with a UTC timestamp, level,
/// category, message and the message's named values, for a log collector in a cluster.
/// </summary>
internal static class LogFormat
{
    public const string Key = "Logging:Format";
    public const string Simple = "simple";
    public const string Json = "json";

    /// <summary>Adds the console logger the configuration asks for; an unknown format fails like any invalid option.</summary>
    public static void AddConsole(ILoggingBuilder logging, IConfiguration configuration)
    {
        var format = configuration[Key] is { Length: > 0 } configured ? configured.Trim().ToLowerInvariant() : Simple;
        switch (format)
        {
            case Simple:
                logging.AddSimpleConsole(options =>
                {
                    options.SingleLine = true;
                    options.TimestampFormat = "HH:mm:ss.fff ";
                    options.ColorBehavior = LoggerColorBehavior.Disabled;
                });
                break;
            case Json:
                logging.AddJsonConsole(options =>
                {
                    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    options.UseUtcTimestamp = true;
                    options.IncludeScopes = false;
                });
                break;
            default:
                throw new OptionsValidationException(Key, typeof(LogFormat), [$"{Key} must be '{Simple}' or '{Json}', not '{configuration[Key]}'"]);
        }
    }
}

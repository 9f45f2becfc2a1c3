using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Pipeline.Hosting.Http;
using Pipeline.Hosting.Logs;
using Pipeline.Hosting.Mqtt;
using Pipeline.Hosting.Observability;
using Pipeline.Hosting.Shutdown;

namespace Pipeline.Hosting.Help;

/// <summary>
/// What a component executable prints for <c>--help</c> or <c>-h</c>: how settings are given, then every section and key
/// with its default and meaning. Keys come from the options classes themselves, and meanings from their XML
/// documentation (generated beside each assembly), so the help cannot drift from what the component binds.
/// </summary>
public static partial class SettingsHelp
{
    /// <summary>The sections every component has, from the shared hosting setup.</summary>
    public static readonly IReadOnlyList<SettingsSection> Shared =
    [
        new(BrokerOptions.Section, typeof(BrokerOptions), "--broker host:port is short for --Broker:Host host --Broker:Port port"),
        new(HttpEndpointOptions.Section, typeof(HttpEndpointOptions), "GET /alive (liveness), /health (readiness, JSON), /metrics (Prometheus)"),
        new(ShutdownOptions.Section, typeof(ShutdownOptions)),
    ];

    public static bool IsRequested(IEnumerable<string> args) => args.Any(a => a is "--help" or "-h" or "-?");

    /// <param name="component">The executable's name, e.g. "ingest".</param>
    /// <param name="purpose">One line on what it does.</param>
    /// <param name="defaults">The executable's own defaults, which replace the options classes' ones (e.g. Http:Port).</param>
    public static string Render(string component, string purpose, IReadOnlyList<SettingsSection> sections, IEnumerable<KeyValuePair<string, string?>> defaults)
    {
        var overridden = defaults.ToDictionary(d => d.Key, d => d.Value, StringComparer.OrdinalIgnoreCase);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{component}: {purpose}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"usage: {component} [--Section:Key value]...   (--help, -h: this text)");
        text.AppendLine();
        text.AppendLine("Each setting is read from, lowest precedence first: appsettings.json (beside the executable, then in the");
        text.AppendLine(CultureInfo.InvariantCulture, $"working folder), the environment ({ServiceDefaults.EnvironmentPrefix}Section__Key=value), the command line (--Section:Key value).");
        foreach (var section in sections.Concat(Shared))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"[{section.Name}]{(section.Note is null ? "" : $"  {section.Note}")}");
            AppendKeys(text, section, overridden);
        }

        text.AppendLine();
        text.AppendLine("[Logging]");
        AppendKey(text, LogFormat.Key, LogFormat.Simple, "simple: one line per entry; json: one JSON object per line, for a log collector.");
        AppendKey(text, "Logging:LogLevel:<category>", "Information", "The least level logged, per category (Default for all).");
        text.AppendLine();
        text.AppendLine("[Otlp]  metrics are also pushed over OTLP when an endpoint is set");
        AppendKey(text, "Otlp:Endpoint", "", $"The collector's address (or the environment variable {OtlpSettings.EndpointVariable}); empty: no OTLP.");
        AppendKey(text, "Otlp:Protocol", "grpc", $"grpc or http/protobuf (or the environment variable {OtlpSettings.ProtocolVariable}).");
        return text.ToString();
    }

    private static void AppendKeys(StringBuilder text, SettingsSection section, Dictionary<string, string?> overridden)
    {
        var defaults = Activator.CreateInstance(section.Options);
        var documentation = Documentation.For(section.Options.Assembly);
        foreach (var property in section.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = $"{section.Name}:{property.Name}";
            var value = overridden.TryGetValue(key, out var own) ? own : Format(property.GetValue(defaults));
            var meaning = documentation.TryGetValue($"P:{section.Options.FullName}.{property.Name}", out var summary) ? summary : "";
            AppendKey(text, key, value, meaning);
        }
    }

    private static void AppendKey(StringBuilder text, string key, string? value, string meaning)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"  {key} = {(string.IsNullOrEmpty(value) ? "(empty)" : value)}");
        if (meaning.Length > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"      {meaning}");
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(",", items.Cast<object?>().Select(Format)),
        _ => value.ToString() ?? "",
    };

    /// <summary>The summaries of an assembly's XML documentation file, by member id; empty when the file is not there.</summary>
    private static class Documentation
    {
        public static Dictionary<string, string> For(Assembly assembly)
        {
            var path = Path.ChangeExtension(assembly.Location, ".xml");
            if (!File.Exists(path))
            {
                return [];
            }

            return XDocument.Load(path).Descendants("member")
                .Where(m => m.Element("summary") is not null)
                .ToDictionary(m => (string)m.Attribute("name")!, m => Flatten(m.Element("summary")!), StringComparer.Ordinal);
        }

        /// <summary>The summary's text on one line: a reference becomes its short name, markup and line breaks go.</summary>
        private static string Flatten(XElement summary)
        {
            var text = new StringBuilder();
            foreach (var node in summary.DescendantNodes())
            {
                switch (node)
                {
                    case XText plain:
                        text.Append(plain.Value);
                        break;
                    case XElement { Name.LocalName: "see" or "paramref" or "typeparamref" } reference:
                        var name = (string?)reference.Attribute("cref") ?? (string?)reference.Attribute("name") ?? (string?)reference.Attribute("langword") ?? "";
                        text.Append(name[(name.LastIndexOfAny([':', '.']) + 1)..]);
                        break;
                }
            }

            return Whitespace().Replace(text.ToString(), " ").Trim();
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

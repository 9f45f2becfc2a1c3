using Microsoft.Extensions.Options;

namespace Pipeline.Hosting.Mqtt;

/// <summary>Expands the command-line short form <c>--broker host:port</c> into the Broker section's keys.</summary>
internal static class BrokerArgument
{
    public const string Flag = "--broker";

    public static string[] Expand(string[] args)
    {
        var expanded = new List<string>(args.Length + 2);
        for (var i = 0; i < args.Length; i++)
        {
            string? value = null;
            if (args[i] == Flag)
            {
                value = i + 1 < args.Length ? args[++i] : "";
            }
            else if (args[i].StartsWith(Flag + "=", StringComparison.Ordinal))
            {
                value = args[i][(Flag.Length + 1)..];
            }

            if (value is null)
            {
                expanded.Add(args[i]);
                continue;
            }

            if (!BrokerOptions.TryParseEndpoint(value, out var host, out var port, out var error))
            {
                throw new OptionsValidationException(BrokerOptions.Section, typeof(BrokerOptions), [$"{Flag}: {error}"]);
            }

            expanded.AddRange([$"--{BrokerOptions.Section}:Host", host, $"--{BrokerOptions.Section}:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        return [.. expanded];
    }
}

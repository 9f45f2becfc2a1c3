namespace Pipeline.Runner.Up;

/// <summary>Parses repeated `--set Section:Key=value` flags into configuration overrides.</summary>
internal static class SetOptionParser
{
    public static bool TryParse(IEnumerable<string> values, out List<KeyValuePair<string, string?>> overrides, out string? error)
    {
        overrides = [];
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"--set \"{value}\" is not Section:Key=value";
                return false;
            }

            overrides.Add(new(value[..equals].Trim(), value[(equals + 1)..]));
        }

        error = null;
        return true;
    }
}

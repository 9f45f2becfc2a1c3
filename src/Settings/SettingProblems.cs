using System.Globalization;
using Pipeline.Protocol;

namespace Pipeline.Settings;

/// <summary>The problems found in one configuration section, each one line that names "Section:Key" and what is wrong.</summary>
public sealed class SettingProblems(string section)
{
    private readonly List<string> _problems = [];

    public string Section { get; } = section;

    public IReadOnlyList<string> All => _problems;

    public void Add(string key, string problem) => _problems.Add($"{Section}:{key} {problem}");

    /// <summary>Adds <paramref name="problem"/> about <paramref name="key"/> unless <paramref name="holds"/>.</summary>
    public void Require(bool holds, string key, string problem)
    {
        if (!holds)
        {
            Add(key, problem);
        }
    }

    public void Range(string key, long value, long min, long max) =>
        Require(value >= min && value <= max, key, string.Create(CultureInfo.InvariantCulture, $"{value} is outside {min}..{max}"));

    public void Range(string key, double value, double min, double max) =>
        Require(double.IsFinite(value) && value >= min && value <= max, key, string.Create(CultureInfo.InvariantCulture, $"{value} is outside {min}..{max}"));

    public void Range(string key, TimeSpan value, TimeSpan min, TimeSpan max) =>
        Require(value >= min && value <= max, key, $"{Duration(value)} is outside {Duration(min)}..{Duration(max)} (a duration: hh:mm:ss.fff, or d.hh:mm:ss)");

    public void Identifier(string key, string value) =>
        Require(Identifiers.IsValid(value), key, $"\"{value}\" is not a valid identifier ({Identifiers.Rule})");

    public void NotEmpty(string key, string value) => Require(!string.IsNullOrWhiteSpace(value), key, "is empty");

    public static string Duration(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}

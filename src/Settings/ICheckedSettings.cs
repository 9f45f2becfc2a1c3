using Microsoft.Extensions.Configuration;

namespace Pipeline.Settings;

/// <summary>
/// A settings class bound from one configuration section that checks itself, so every component refuses a wrong value
/// at start the same way: every problem at once, each naming "Section:Key", the value and what it must be. Durations
/// are <see cref="TimeSpan"/> values written like 00:00:00.020, never integers of an implied unit.
/// Register one with <see cref="CheckedSettingsRegistration.AddCheckedSettings{T}"/>.
/// </summary>
public interface ICheckedSettings
{
    /// <summary>The configuration section the settings are bound from, e.g. "Ingest".</summary>
    static abstract string Section { get; }

    /// <summary>
    /// Keys earlier releases read, by the key that replaced them. A configuration that still sets one is refused with the
    /// new key's name rather than quietly ignored, so a renamed setting cannot fall back to its default unnoticed.
    /// </summary>
    static virtual IReadOnlyDictionary<string, string> RenamedKeys => new Dictionary<string, string>();

    /// <summary>
    /// Binds <paramref name="section"/> onto these settings: each class calls the configuration binder on its own type
    /// (<c>section.Bind(this)</c>), which the configuration binding source generator turns into code written for that
    /// type, so binding reads no type metadata at run time (the reflection binder took 1-3 ms per section at a start).
    /// </summary>
    void BindFrom(IConfigurationSection section);

    /// <summary>Adds what is wrong with these settings to <paramref name="problems"/>; adds nothing when all is well.</summary>
    void Check(SettingProblems problems);
}

namespace Pipeline.Hosting.Help;

/// <summary>
/// One configuration section as <c>--help</c> shows it: its name and the typed options class bound from it, whose
/// settable properties are its keys (defaults from a new instance, meanings from the class's XML documentation).
/// </summary>
public sealed record SettingsSection(string Name, Type Options, string? Note = null);

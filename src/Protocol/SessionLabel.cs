namespace Pipeline.Protocol;

/// <summary>
/// Ground truth for one recording session of one device: every sample or frame the device recorded
/// in [<see cref="StartMicros"/>, <see cref="EndMicros"/>) has this label. Published when the session ends.
/// A "swing" label carries <see cref="Swing"/>, a "droplet" label <see cref="Voc"/>; a label of any other task carries
/// only <see cref="Class"/>, the class name its task learns.
/// </summary>
public sealed record SessionLabel(
    string DeviceId,
    string SessionId,
    string Task,
    long StartMicros,
    long EndMicros,
    SwingLabel? Swing = null,
    VocLabel? Voc = null,
    string? Class = null)
{
    /// <summary>
    /// Six hours, far above any swing or droplet recording. The trainer reads a label's whole span from the store, so
    /// an unbounded span (a label from 1970 to 2100) would make one message cost a read of everything.
    /// </summary>
    public const long MaxSpanMicros = 6L * 3600 * 1_000_000;

    /// <summary>The class a classifier learns: "player:shape" for swings, the VOC name for droplets, <see cref="Class"/> for other tasks.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ClassName => Swing is { } s ? $"{s.Player}:{s.Shape}" : Voc?.Name ?? Class!;
}

/// <summary>A swing class is a hybrid category: who swung, and the shape of the swing.</summary>
public sealed record SwingLabel(string Player, string Shape);

/// <summary>Which volatile organic compound the droplets were exposed to, at what concentration (% v/v).</summary>
public sealed record VocLabel(string Name, float ConcentrationPercent);

namespace Pipeline.Storage;

/// <summary>Which <see cref="ITelemetryStore"/> a component uses, bound from the "Store" section.</summary>
public sealed class StoreBackendOptions
{
    public const string Section = "Store";
    public const string Embedded = "embedded";
    public const string Influx = "influx";

    /// <summary><see cref="Embedded"/> (default, under the data folder) or <see cref="Influx"/> (the "Influx" section says where).</summary>
    public string Backend { get; set; } = Embedded;
}

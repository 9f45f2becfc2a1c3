using Microsoft.Extensions.Configuration;
using Pipeline.Settings;

namespace Pipeline.Storage;

/// <summary>Which <see cref="ITelemetryStore"/> a component uses, bound from the "Store" section.</summary>
public sealed class StoreBackendOptions : ICheckedSettings
{
    public const string Section = "Store";

    static string ICheckedSettings.Section => Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);
    public const string Embedded = "embedded";
    public const string Influx = "influx";
    public const string Influx2 = "influx2";

    /// <summary><see cref="Embedded"/> (default, under the data folder), <see cref="Influx"/> (InfluxDB 1.x, the "Influx" section says where)
    /// or <see cref="Influx2"/> (InfluxDB 2.x, the "Influx2" section says where and with which token).</summary>
    public string Backend { get; set; } = Embedded;

    public void Check(SettingProblems problems) =>
        problems.Require(Backend is Embedded or Influx or Influx2, nameof(Backend), $"\"{Backend}\" is unknown (expected {Embedded}, {Influx} or {Influx2})");
}

using Microsoft.Extensions.Configuration;
using Pipeline.Settings;

namespace Pipeline.Trainer.Observability;

/// <summary>How long the training loop may show no progress before it counts as stuck; bound from the "Trainer" section.</summary>
internal sealed class TrainingLoopHealthOptions : ICheckedSettings
{
    static string ICheckedSettings.Section => Service.TrainerOptions.Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);

    static IReadOnlyDictionary<string, string> ICheckedSettings.RenamedKeys { get; } = new Dictionary<string, string> { ["StallSeconds"] = nameof(StallAfter) };

    /// <summary>
    /// How long without progress (a store poll, a minibatch, an epoch, a round) after which the training-loop health check
    /// reports the trainer stuck. 15 minutes: above the longest step without a heartbeat (reading a large dataset, evaluating).
    /// </summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(15);

    public void Check(SettingProblems problems) => problems.Range(nameof(StallAfter), StallAfter, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
}

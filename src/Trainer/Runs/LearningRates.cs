namespace Pipeline.Trainer.Runs;

/// <summary>The rate each epoch of a run trains at under a <see cref="LearningRateSchedule"/>, and the schedules' names.</summary>
public static class LearningRates
{
    public static readonly IReadOnlyList<string> Names = [.. Enum.GetValues<LearningRateSchedule>().Select(Name)];

    /// <param name="epoch">0-based.</param>
    public static double At(LearningRateSchedule schedule, double baseRate, int epoch, int epochs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        return schedule switch
        {
            LearningRateSchedule.Constant => baseRate,
            LearningRateSchedule.Cosine => baseRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / epochs)),
            LearningRateSchedule.Step => baseRate * (epoch >= epochs * 3 / 4.0 ? 0.01 : epoch >= epochs / 2.0 ? 0.1 : 1),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, null),
        };
    }

    public static string Name(LearningRateSchedule schedule) => schedule.ToString().ToLowerInvariant();

    public static bool TryParse(string name, out LearningRateSchedule schedule)
    {
        foreach (var candidate in Enum.GetValues<LearningRateSchedule>())
        {
            if (Name(candidate) == name)
            {
                schedule = candidate;
                return true;
            }
        }

        schedule = LearningRateSchedule.Constant;
        return false;
    }
}

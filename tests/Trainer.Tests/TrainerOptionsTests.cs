using Pipeline.Settings;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.Service;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Tests;

public class TrainerOptionsTests
{
    [Theory]
    [InlineData(NonPipelinedSchedule.ScheduleName)]
    [InlineData(StaleWeightPipeline.ScheduleName)]
    [InlineData(HybridSchedule.ScheduleName)]
    public void Check_EachKnownSchedule_IsAccepted(string schedule) =>
        Assert.Empty(CheckedSettingsRegistration.Problems(new TrainerOptions { Schedule = schedule }));

    [Fact]
    public void Check_UnknownSchedule_NamesItAndTheAcceptedOnes()
    {
        var problem = Assert.Single(CheckedSettingsRegistration.Problems(new TrainerOptions { Schedule = "hybird" }));
        Assert.StartsWith("Trainer:Schedule \"hybird\" is unknown", problem, StringComparison.Ordinal);
        Assert.Contains(HybridSchedule.ScheduleName, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_ZeroMeansAutomaticAndIsValid()
    {
        Assert.Equal(0, SplitPlanner.Automatic);
        Assert.Empty(CheckedSettingsRegistration.Problems(new TrainerOptions { Split = SplitPlanner.Automatic }));
    }

    [Theory]
    [InlineData(-1, 0.75, "Trainer:Split -1")]
    [InlineData(17, 0.75, "Trainer:Split 17")]
    [InlineData(1, -0.1, "Trainer:HybridPipelinedFraction -0.1")]
    [InlineData(1, 1.5, "Trainer:HybridPipelinedFraction 1.5")]
    public void Check_SplitOrHybridFractionOutOfRange_AreRefusedByName(int split, double fraction, string problem)
    {
        var problems = CheckedSettingsRegistration.Problems(new TrainerOptions { Split = split, HybridPipelinedFraction = fraction });
        Assert.Contains(problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void CheckTasks_UnknownTask_IsRefusedNamingTheRegisteredOnes()
    {
        var problems = new SettingProblems(TrainerOptions.Section);
        new TrainerOptions { Tasks = ["swing", "golf"] }.CheckTasks(TaskRegistry.BuiltIn, problems);

        var problem = Assert.Single(problems.All);
        Assert.Contains("Trainer:Tasks names unknown task \"golf\"", problem, StringComparison.Ordinal);
        Assert.Contains("droplet", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PollIntervalOfAnEarlierReleasesUnit_IsRefused()
    {
        // "2" binds as two days: far beyond an hour, so a value meant as seconds never passes silently.
        var problem = Assert.Single(CheckedSettingsRegistration.Problems(new TrainerOptions { PollInterval = TimeSpan.Parse("2", System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.StartsWith("Trainer:PollInterval 2.00:00:00 is outside", problem, StringComparison.Ordinal);
    }
}

using System.ComponentModel.DataAnnotations;
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
    public void Validate_EachKnownSchedule_IsAccepted(string schedule) =>
        Assert.Null(new TrainerOptions { Schedule = schedule }.Validate(TaskRegistry.BuiltIn));

    [Fact]
    public void Validate_UnknownSchedule_NamesItAndTheAcceptedOnes()
    {
        var error = new TrainerOptions { Schedule = "hybird" }.Validate(TaskRegistry.BuiltIn);
        Assert.NotNull(error);
        Assert.Contains("hybird", error);
        Assert.Contains(HybridSchedule.ScheduleName, error);
    }

    [Fact]
    public void Split_ZeroMeansAutomaticAndIsValid()
    {
        Assert.Equal(0, SplitPlanner.Automatic);
        Assert.Empty(Annotations(new TrainerOptions { Split = SplitPlanner.Automatic }));
    }

    [Theory]
    [InlineData(-1, 0.75, nameof(TrainerOptions.Split))]
    [InlineData(17, 0.75, nameof(TrainerOptions.Split))]
    [InlineData(1, -0.1, nameof(TrainerOptions.HybridPipelinedFraction))]
    [InlineData(1, 1.5, nameof(TrainerOptions.HybridPipelinedFraction))]
    public void Annotations_SplitOrHybridFractionOutOfRange_AreRefusedByName(int split, double fraction, string member)
    {
        var errors = Annotations(new TrainerOptions { Split = split, HybridPipelinedFraction = fraction });
        Assert.Contains(errors, e => e.MemberNames.Contains(member));
    }

    private static List<ValidationResult> Annotations(TrainerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}

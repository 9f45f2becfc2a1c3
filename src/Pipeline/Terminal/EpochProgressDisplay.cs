using Pipeline.Trainer.Reporting;
using Spectre.Console;

namespace Pipeline.Runner.Terminal;

/// <summary>
/// The live display of one training run in a terminal (`pipeline train`): a bar over the epochs, described by the
/// latest epoch's loss and accuracy, redrawn in place. Used only in <see cref="ConsoleMode.Live"/>.
/// </summary>
internal static class EpochProgressDisplay
{
    /// <summary>Runs <paramref name="train"/>, which reports each epoch to the callback it is given, under a progress bar.</summary>
    public static Task<T> RunAsync<T>(string name, int epochs, Func<Action<EpochProgress>, Task<T>> train) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape($"{name}: starting"), maxValue: epochs);
                var result = await train(progress =>
                {
                    task.Value = progress.Epoch + 1;
                    task.Description = Markup.Escape($"{name} {progress.Describe()}");
                });
                task.StopTask();
                return result;
            });
}

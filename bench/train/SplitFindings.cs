using System.Globalization;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.UserData;
using static TorchSharp.torch;
using Pipeline.Tasks.Swing;

namespace Pipeline.Bench.Train;

/// <summary>
/// The seed paper's accuracy findings on the swing data (bench/run.sh findings): the non-pipelined baseline, the
/// pipelined schedule with the register at every block boundary, and the hybrid schedule at the same boundaries,
/// each over several training seeds on the same data and data order. Accuracy only: timings are the train bench's job.
/// </summary>
internal static class SplitFindings
{
    public static async Task<int> RunAsync(string architecture, int sessions, int epochs, int seeds, double hybridFraction, double learningRate)
    {
        var data = SimulatedSwings.Generate(sessions, seed: 1);
        int[] shape = [8, SwingWindowing.WindowSamples];
        int blocks;
        using (var probe = ModelCatalog.CreateForInput(architecture, 9, shape))
        {
            blocks = probe.Blocks.Count;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{architecture} ({blocks} blocks) on {sessions} simulated swing sessions (GolfClubSimulator seed 1, held-out 20% by session), batch 32, {epochs} epochs, SGD lr {learningRate} momentum 0.9, one thread per stage;"));
        Console.WriteLine($"held-out accuracy over training seeds 1..{seeds}; hybrid = pipelined for the first {hybridFraction:P0} of minibatches, then non-pipelined.");
        var rows = new List<(string Name, double[] Accuracies)>
        {
            ("non-pipelined", await AccuraciesAsync(data, shape, architecture, NonPipelinedSchedule.ScheduleName, 1, epochs, seeds, hybridFraction, learningRate)),
        };
        Print(rows[^1], rows[0]);
        for (var split = 1; split < blocks; split++)
        {
            rows.Add(($"pipelined split {split}", await AccuraciesAsync(data, shape, architecture, StaleWeightPipeline.ScheduleName, split, epochs, seeds, hybridFraction, learningRate)));
            Print(rows[^1], rows[0]);
            rows.Add(($"hybrid split {split}", await AccuraciesAsync(data, shape, architecture, HybridSchedule.ScheduleName, split, epochs, seeds, hybridFraction, learningRate)));
            Print(rows[^1], rows[0]);
        }

        var baseline = rows[0].Accuracies.Average();
        var drops = rows.Skip(1).Select(r => string.Create(CultureInfo.InvariantCulture,
            $"\"{r.Name.Replace(' ', '_')}_drop_pp\":{(baseline - r.Accuracies.Average()) * 100:F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"bench\":\"findings\",\"model\":\"{architecture}\",\"learning_rate\":{learningRate},\"baseline_accuracy\":{baseline:F4},{string.Join(',', drops)}}}"));
        return 0;
    }

    private static async Task<double[]> AccuraciesAsync(
        Pipeline.Trainer.Dataset.TrainingData data, int[] shape, string architecture, string schedule, int split, int epochs, int seeds, double hybridFraction, double learningRate)
    {
        var accuracies = new double[seeds];
        for (var seed = 1; seed <= seeds; seed++)
        {
            var settings = new TrainingSettings([CPU, CPU]) { Epochs = epochs, Split = split, Seed = seed, HybridPipelinedFraction = hybridFraction, LearningRate = learningRate };
            var outcome = await UserDataTraining.TrainAsync(data, shape, architecture, schedule, settings, null, null, CancellationToken.None);
            accuracies[seed - 1] = outcome.Metrics.Accuracy;
        }

        return accuracies;
    }

    private static void Print((string Name, double[] Accuracies) row, (string Name, double[] Accuracies) baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{row.Name,-20} accuracy {row.Accuracies.Average() * 100,5:F1}% (seeds: {string.Join(", ", row.Accuracies.Select(a => (a * 100).ToString("F1", CultureInfo.InvariantCulture)))})  drop vs baseline {(baseline.Accuracies.Average() - row.Accuracies.Average()) * 100,5:F2} pp"));
}

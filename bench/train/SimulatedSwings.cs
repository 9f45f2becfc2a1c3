using Pipeline.Simulation.Golf;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Trainer.Dataset;
using Pipeline.Tasks.Swing;

namespace Pipeline.Bench.Train;

/// <summary>Swing windows from the edge's own golf-club simulator, cut and normalised as the trainer cuts stored sessions, split by session.</summary>
internal static class SimulatedSwings
{
    public static TrainingData Generate(int sessions, int seed)
    {
        var simulator = new GolfClubSimulator(seed);
        var classes = GolfClubSimulator.ClassNames.Order(StringComparer.Ordinal).ToArray();
        var train = new List<Example>();
        var heldOut = new List<Example>();
        for (var s = 0; s < sessions; s++)
        {
            var session = simulator.NextSession();
            var start = SwingWindowing.FindWindowStart(session.Samples);
            if (start < 0)
            {
                continue;
            }

            var key = $"club-1/{s}";
            var window = session.Samples.AsSpan(start * MotionChannels.Count, SwingWindowing.WindowSamples * MotionChannels.Count);
            var example = new Example(key, SwingWindowing.ToModelInput(window), 0f, Array.IndexOf(classes, session.ClassName), 0f);
            (HeldOutSplit.IsHeldOut(key, 0.2) ? heldOut : train).Add(example);
        }

        return new TrainingData("swing", classes, train, heldOut);
    }
}

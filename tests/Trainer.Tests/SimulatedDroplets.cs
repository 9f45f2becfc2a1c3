using Pipeline.Simulation.Microscope;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Trainer.Dataset;
using Pipeline.Tasks.Droplet;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// Droplet examples rendered by the edge's own microscope simulator at the runner's 64 × 64, cut per droplet and split
/// by session as the trainer's <see cref="StoreDatasetReader"/> does.
/// </summary>
internal static class SimulatedDroplets
{
    public static (List<Example> Train, List<Example> HeldOut) Render(int sessions, int seed, float maxDegradation = 0.5f, double touchingShare = DropletMicroscopeSimulator.DefaultTouchingShare)
    {
        var simulator = new DropletMicroscopeSimulator(seed, DropletImaging.Side, DropletImaging.Side, maxDegradation, touchingShare: touchingShare);
        var classes = DropletMicroscopeSimulator.Vocs.Select(v => v.Name).Order(StringComparer.Ordinal).ToArray();
        var train = new List<Example>();
        var heldOut = new List<Example>();
        for (var s = 0; s < sessions; s++)
        {
            var session = simulator.NextSession();
            var key = $"microscope/{s}";
            for (var f = 0; f < session.FrameCount; f++)
            {
                var frame = new MicroscopyFrame("microscope", 1, (ulong)f, 0, simulator.Width, simulator.Height, PixelFormat.Gray8,
                    session.FrameLabel, session.DegradationLevel, simulator.RenderFrame(session, f));
                foreach (var crop in DropletSegmenter.Crop(frame))
                {
                    var example = new Example(key, crop.Input, session.DegradationLevel,
                        Array.IndexOf(classes, session.Voc.Name), session.ConcentrationPercent, $"{key}/{f}");
                    (HeldOutSplit.IsHeldOut(key, 0.2) ? heldOut : train).Add(example);
                }
            }
        }

        return (train, heldOut);
    }
}

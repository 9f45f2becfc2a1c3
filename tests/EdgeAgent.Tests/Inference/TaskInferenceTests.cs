using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Simulation.Golf;
using Pipeline.Simulation.Microscope;
using Pipeline.Tasks.Droplet;
using Pipeline.Tasks.Swing;

namespace Pipeline.EdgeAgent.Tests.Inference;

/// <summary>What the edge asks a real (untrained) model through each built-in task's inference, and what it answers.</summary>
public sealed class TaskInferenceTests
{
    private const double Tolerance = 1e-5;

    [Fact]
    public void Frame_IsAskedAsItsDropletsInOneForwardPass_AndAnsweredWithTheirMean_EachDropletListed()
    {
        var task = AgentFactory.Kinds.TaskOf(DeviceKinds.Microscope);
        var vocs = DropletMicroscopeSimulator.Vocs.Select(v => v.Name).Order(StringComparer.Ordinal).ToArray();
        var (manifest, artifact) = ModelAnnouncements.BuildModel(task.Name, 1, vocs);
        using var model = ModelArtifacts.Load(artifact, manifest);
        var frame = SimulatedFrame(seed: 5);

        var query = task.Inference.Prepare(frame);
        var answer = model.Ask(query);

        var crops = DropletSegmenter.Crop(frame);
        Assert.True(crops.Count >= 2, $"the simulated frame shows {crops.Count} droplets");
        Assert.Equal(crops.Select(c => c.Input), query.Inputs);
        Assert.Equal(frame.DegradationLevel, query.Auxiliary);
        var each = model.PredictBatch(query.Inputs, query.Auxiliary);
        var mean = Enumerable.Range(0, vocs.Length).Select(c => each.Average(r => r.Probabilities![c])).ToArray();
        var best = Array.IndexOf(mean, mean.Max());
        Assert.Equal(vocs[best], answer.PredictedClass);
        Assert.InRange(Math.Abs(answer.Confidence - mean[best]), 0, Tolerance);
        Assert.InRange(Math.Abs(answer.ConcentrationPercent!.Value - each.Average(r => r.ConcentrationPercent!.Value)), 0, 1e-3);
        Assert.Equal(each.Select(r => r.ClassName), answer.Droplets!.Select(d => d.PredictedClass));
        Assert.Equal(crops.Select(c => c.Droplet.CentreX), answer.Droplets!.Select(d => d.CentreX));
    }

    [Fact]
    public void SwingWindow_IsOneInput_AndTheModelsAnswerIsThePrediction()
    {
        var task = AgentFactory.Kinds.TaskOf(DeviceKinds.Golf);
        string[] classes = ["p1:draw", "p1:fade", "p2:draw"];
        var (manifest, artifact) = ModelAnnouncements.BuildModel(task.Name, 1, classes);
        using var model = ModelArtifacts.Load(artifact, manifest);
        var session = new GolfClubSimulator(seed: 8).NextSession();
        var start = SwingWindowing.FindWindowStart(session.Samples);
        var window = session.Samples.AsSpan(start * MotionChannels.Count, SwingWindowing.WindowSamples * MotionChannels.Count).ToArray();

        var query = task.Inference.Prepare(window);
        var answer = model.Ask(query);

        Assert.Equal(SwingWindowing.ToModelInput(window), Assert.Single(query.Inputs));
        var direct = model.Predict(SwingWindowing.ToModelInput(window), 0f);
        Assert.Equal(direct.ClassName, answer.PredictedClass);
        Assert.InRange(Math.Abs(answer.Confidence - direct.Confidence), 0, Tolerance);
        Assert.Null(answer.Droplets);
    }

    [Fact]
    public void Prepare_AnInputOfAnotherKind_OrAWindowOfTheWrongLength_IsRefusedSayingWhy()
    {
        var swing = AgentFactory.Kinds.TaskOf(DeviceKinds.Golf).Inference;
        Assert.Contains(nameof(MicroscopyFrame), Assert.Throws<ArgumentException>(() => swing.Prepare(SimulatedFrame(seed: 1))).Message);
        Assert.Contains($"{SwingWindowing.WindowSamples}", Assert.Throws<ArgumentException>(() => swing.Prepare(new float[8])).Message);

        var droplet = AgentFactory.Kinds.TaskOf(DeviceKinds.Microscope).Inference;
        var frame = SimulatedFrame(seed: 1);
        Assert.Contains("pixel bytes", Assert.Throws<ArgumentException>(() => droplet.Prepare(frame with { Pixels = frame.Pixels[..10] })).Message);
    }

    private static MicroscopyFrame SimulatedFrame(int seed)
    {
        var simulator = new DropletMicroscopeSimulator(seed, 64, 64, maxDegradation: 0.3f);
        var exposure = simulator.NextSession();
        return new MicroscopyFrame("scope-1", 1, 0, 1, 64, 64, PixelFormat.Gray8, exposure.FrameLabel, exposure.DegradationLevel, simulator.RenderFrame(exposure, 0));
    }
}

using Pipeline.Simulation.Microscope;
using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using Pipeline.Trainer.Dataset;
using Pipeline.Tasks.Droplet;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Tests.Droplets;

/// <summary>The trainer's reader turns stored frames into one example per droplet, split by session.</summary>
public sealed class DropletDatasetTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("droplet-dataset");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ReadAsync_StoredFrames_GivesOneExamplePerDropletLabelledWithItsFrameAndSplitBySession()
    {
        await using var store = EmbeddedTelemetryStore.Open(_folder.Combine("store"));
        var simulator = new DropletMicroscopeSimulator(seed: 2, 64, 64, maxDegradation: 0.3f, framesPerSession: 3);
        var truthDroplets = 0;
        const int sessions = 24;
        for (var s = 0; s < sessions; s++)
        {
            var session = simulator.NextSession();
            var start = 1_700_000_000_000_000L + (s * 10_000_000L);
            var frames = Enumerable.Range(0, session.FrameCount).Select(f => new MicroscopyFrame("scope-1", 1, (ulong)((s * 3) + f), start + (f * 1_000_000L),
                64, 64, PixelFormat.Gray8, session.FrameLabel, session.DegradationLevel, simulator.RenderFrame(session, f))).ToList();
            await store.WriteFramesAsync(frames, CancellationToken.None);
            await store.WriteLabelAsync(new SessionLabel("scope-1", $"s-{s:D4}", LearningTasks.Droplet, start, start + 5_000_000L, null,
                new VocLabel(session.Voc.Name, session.ConcentrationPercent)), CancellationToken.None);
            truthDroplets += session.Droplets.Count * session.FrameCount;
        }

        var reader = new StoreDatasetReader(store);
        var data = await reader.ReadAsync(TaskRegistry.BuiltIn.Find(LearningTasks.Droplet), 0.25, CancellationToken.None);

        var all = data.Train.Concat(data.HeldOut).ToList();
        Assert.Empty(reader.Skipped);
        Assert.Equal(sessions * 3, all.Select(e => e.FrameKey).Distinct().Count());
        Assert.InRange(all.Count, 0.8 * truthDroplets, 1.1 * truthDroplets);
        Assert.All(all, e => Assert.Equal(DropletSegmenter.CropSide * DropletSegmenter.CropSide, e.Input.Length));
        Assert.All(all.GroupBy(e => e.FrameKey), frame => Assert.Single(frame.Select(e => (e.SessionKey, e.ClassIndex, e.ConcentrationPercent, e.Auxiliary)).Distinct()));
        Assert.NotEmpty(data.HeldOut);
        Assert.Empty(data.Train.Select(e => e.SessionKey).Intersect(data.HeldOut.Select(e => e.SessionKey)));
    }
}

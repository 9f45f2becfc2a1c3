using Pipeline.EdgeAgent.ModelUpdates;
using Pipeline.Models;
using Pipeline.Models.Droplets;

namespace Pipeline.EdgeAgent.Tests.ModelUpdates;

public class SmokeInputsTests
{
    [Fact]
    public void RecordedInputs_DecodeIntoOneSwingWindowAndAFrameWithDroplets()
    {
        var swing = SmokeInputs.SwingWindow;
        var frame = SmokeInputs.DropletFrame;

        Assert.Equal(SwingWindowing.WindowSamples, swing.SampleCount);
        Assert.Contains(swing.Samples, value => value != 0);
        Assert.NotEmpty(DropletSegmenter.Crop(frame));
        Assert.Equal((DropletImaging.Side, DropletImaging.Side), (frame.Width, frame.Height));
    }
}

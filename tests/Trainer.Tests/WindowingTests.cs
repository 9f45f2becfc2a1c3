using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;
using Pipeline.Tasks.Droplet;

namespace Pipeline.Trainer.Tests;

public class WindowingTests
{
    private static float[] Series(int count, int peakAt, float peakGyro)
    {
        var samples = new float[count * 8];
        samples[(peakAt * 8) + MotionChannels.GyroZ] = peakGyro;
        return samples;
    }

    [Fact]
    public void FindWindowStart_PeakInMiddle_CentresTheWindow() =>
        Assert.Equal(1000 - 256, SwingWindowing.FindWindowStart(Series(2000, 1000, 900)));

    [Fact]
    public void FindWindowStart_PeakNearStart_ClampsInsideSeries() =>
        Assert.Equal(0, SwingWindowing.FindWindowStart(Series(2000, 10, 900)));

    [Fact]
    public void FindWindowStart_PeakNearEnd_ClampsInsideSeries() =>
        Assert.Equal(2000 - 512, SwingWindowing.FindWindowStart(Series(2000, 1995, 900)));

    [Fact]
    public void FindWindowStart_SeriesShorterThanWindow_ReturnsMinusOne() =>
        Assert.Equal(-1, SwingWindowing.FindWindowStart(Series(511, 200, 900)));

    [Fact]
    public void FindWindowStart_NoSwing_ReturnsMinusOne() =>
        Assert.Equal(-1, SwingWindowing.FindWindowStart(Series(2000, 1000, 150)));

    [Fact]
    public void ToModelInput_SampleMajor_BecomesChannelMajorCentredScaled()
    {
        var window = new float[512 * 8];
        window[(3 * 8) + MotionChannels.AccelY] = 8f;
        window[(5 * 8) + MotionChannels.Strain2] = 512f;
        var input = SwingWindowing.ToModelInput(window);
        Assert.Equal((8f - (8f / 512)) / 16f, input[(MotionChannels.AccelY * 512) + 3], 6);
        Assert.Equal(-(8f / 512) / 16f, input[(MotionChannels.AccelY * 512) + 4], 6);
        Assert.Equal((512f - 1f) / 1000f, input[(MotionChannels.Strain2 * 512) + 5], 6);
        Assert.Equal(-1f / 1000f, input[(MotionChannels.Strain2 * 512) + 6], 6);
    }

    [Fact]
    public void ToModelInput_SensorZeroShiftedOnEveryChannel_GivesTheSameInput()
    {
        var random = new Random(3);
        var window = new float[512 * 8];
        for (var i = 0; i < window.Length; i++)
        {
            window[i] = (float)((random.NextDouble() - 0.5) * 2 * SwingWindowing.ChannelScale[i % 8]);
        }

        // A drifted zero: strain gauges by hundreds of microstrain, the accelerometer by a tenth of a g, the gyroscope by degrees per second.
        float[] offset = [300f, -250f, 0.1f, -0.1f, 0.2f, 12f, -8f, 5f];
        var shifted = window.Select((v, i) => v + offset[i % 8]).ToArray();

        var expected = SwingWindowing.ToModelInput(window);
        var actual = SwingWindowing.ToModelInput(shifted);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 4);
        }
    }

    [Fact]
    public void DropletInput_RgbFrameOfAnySize_IsAreaResampledLumaScaledToOne()
    {
        var pixels = new byte[128 * 96 * 3];
        for (var i = 0; i < 128 * 96; i++)
        {
            var x = i % 128;
            pixels[3 * i] = pixels[(3 * i) + 1] = pixels[(3 * i) + 2] = (byte)(x < 64 ? 0 : 255);
        }

        var frame = new MicroscopyFrame("dev", 1, 1, 1, 128, 96, PixelFormat.Rgb24, null, null, pixels);
        var input = DropletImaging.ToModelInput(frame);
        Assert.Equal(64 * 64, input.Length);
        Assert.Equal(0f, input[0], 3);
        Assert.Equal(1f, input[63], 3);
    }
}

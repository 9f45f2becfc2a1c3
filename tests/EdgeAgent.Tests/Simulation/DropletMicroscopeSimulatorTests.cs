using Pipeline.Simulation.Microscope;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Tests.Simulation;

public sealed class DropletMicroscopeSimulatorTests
{
    [Fact]
    public void RenderFrame_SameSeed_ProducesIdenticalFrames()
    {
        var a = new DropletMicroscopeSimulator(seed: 9, width: 64, height: 64, maxDegradation: 0.5f);
        var b = new DropletMicroscopeSimulator(seed: 9, width: 64, height: 64, maxDegradation: 0.5f);
        var first = a.NextSession();
        var second = b.NextSession();
        Assert.Equal(first.Voc, second.Voc);
        Assert.Equal(a.RenderFrame(first, 3), b.RenderFrame(second, 3));
    }

    [Fact]
    public void RenderFrame_Rgb_ShowsInterferenceColoursOnTheDroplets_WhileTheFilmStaysGrey()
    {
        var gray = new DropletMicroscopeSimulator(seed: 4, width: 64, height: 64);
        var colour = new DropletMicroscopeSimulator(seed: 4, width: 64, height: 64, format: PixelFormat.Rgb24);
        var session = colour.NextSession();
        var grayFrame = gray.RenderFrame(gray.NextSession(), 2);

        var rgb = colour.RenderFrame(session, 2);

        Assert.Equal(PixelFormat.Rgb24, colour.Format);
        Assert.Equal(64 * 64 * 3, rgb.Length);
        var spread = Enumerable.Range(0, 64 * 64).Select(i => Math.Max(rgb[3 * i], Math.Max(rgb[(3 * i) + 1], rgb[(3 * i) + 2])) - Math.Min(rgb[3 * i], Math.Min(rgb[(3 * i) + 1], rgb[(3 * i) + 2]))).ToArray();
        var onDroplet = Enumerable.Range(0, 64 * 64).Where(i => session.Droplets.Any(d => Math.Pow((i % 64) + 0.5 - d.CentreX, 2) + Math.Pow((i / 64) + 0.5 - d.CentreY, 2) < Math.Pow(d.Radius * 0.8, 2))).ToArray();
        var offDroplet = Enumerable.Range(0, 64 * 64).Where(i => session.Droplets.All(d => Math.Pow((i % 64) + 0.5 - d.CentreX, 2) + Math.Pow((i / 64) + 0.5 - d.CentreY, 2) > Math.Pow(d.Radius + 2, 2))).ToArray();
        Assert.True(onDroplet.Average(i => spread[i]) > 4 * offDroplet.Average(i => spread[i]), "colour differences sit on the droplets; the isotropic film stays grey");

        // The green plane is the monochrome camera's reference wavelength: the same picture as a Gray8 frame of that seed.
        Assert.True(Enumerable.Range(0, 64 * 64).Average(i => Math.Abs(rgb[(3 * i) + 1] - grayFrame[i])) < 3);
    }

    [Fact]
    public void Constructor_PixelFormatOtherThanGrayOrRgb_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DropletMicroscopeSimulator(1, format: (PixelFormat)7));
    }

    [Fact]
    public void NextSession_NoTouchingShare_PlacesSeveralNonOverlappingDropletsInsideTheFrame()
    {
        var simulator = new DropletMicroscopeSimulator(seed: 2, touchingShare: 0);
        for (var i = 0; i < 20; i++)
        {
            var droplets = simulator.NextSession().Droplets;
            Assert.InRange(droplets.Count, 3, 6);
            foreach (var d in droplets)
            {
                Assert.InRange(d.CentreX - d.Radius, 0, simulator.Width);
                Assert.InRange(d.CentreX + d.Radius, 0, simulator.Width);
                Assert.All(droplets.Where(o => o != d), o =>
                    Assert.True(Math.Sqrt(Math.Pow(o.CentreX - d.CentreX, 2) + Math.Pow(o.CentreY - d.CentreY, 2)) > o.Radius + d.Radius));
            }
        }
    }

    [Fact]
    public void NextSession_DefaultTouchingShare_PutsTouchingDropletsInAboutThatShareOfSessions()
    {
        var simulator = new DropletMicroscopeSimulator(seed: 3, width: 64, height: 64);
        var touching = 0;
        const int sessions = 400;
        for (var i = 0; i < sessions; i++)
        {
            var droplets = simulator.NextSession().Droplets;
            var pairs = droplets.SelectMany((a, j) => droplets.Skip(j + 1).Select(b => (a, b))).ToList();
            foreach (var (a, b) in pairs)
            {
                // Touching means rim to rim or overlapping by at most 15% of the smaller radius; any other pair keeps the film's gap.
                var distance = Math.Sqrt(Math.Pow(a.CentreX - b.CentreX, 2) + Math.Pow(a.CentreY - b.CentreY, 2));
                Assert.True(distance >= a.Radius + b.Radius + 2 || (distance <= a.Radius + b.Radius + 1e-9 && distance >= a.Radius + b.Radius - (0.15 * Math.Min(a.Radius, b.Radius)) - 1e-9),
                    $"droplets {distance:F2} apart with radii {a.Radius:F2} and {b.Radius:F2}");
            }

            Assert.All(droplets, d => Assert.True(d.CentreX - d.Radius >= 0 && d.CentreX + d.Radius <= 64 && d.CentreY - d.Radius >= 0 && d.CentreY + d.Radius <= 64));
            touching += pairs.Any(p => Math.Sqrt(Math.Pow(p.a.CentreX - p.b.CentreX, 2) + Math.Pow(p.a.CentreY - p.b.CentreY, 2)) <= p.a.Radius + p.b.Radius + 1e-9) ? 1 : 0;
        }

        // A crowded film sometimes has no room beside the chosen partner, so a little under the share.
        Assert.InRange(touching, (int)(0.15 * sessions), (int)(DropletMicroscopeSimulator.DefaultTouchingShare * sessions * 1.2));
    }

    [Fact]
    public void NextSession_TouchingShare_KeepsEverythingElseOfTheSeedsSessions()
    {
        var apart = new DropletMicroscopeSimulator(seed: 7, width: 64, height: 64, maxDegradation: 0.5f, touchingShare: 0);
        var touching = new DropletMicroscopeSimulator(seed: 7, width: 64, height: 64, maxDegradation: 0.5f, touchingShare: 1);
        var added = 0;
        for (var i = 0; i < 20; i++)
        {
            var without = apart.NextSession();
            var with = touching.NextSession();
            Assert.Equal((without.Voc, without.ConcentrationPercent, without.DegradationLevel, without.NoiseSeed), (with.Voc, with.ConcentrationPercent, with.DegradationLevel, with.NoiseSeed));
            Assert.Equal(without.Droplets, with.Droplets.Take(without.Droplets.Count));
            added += with.Droplets.Count - without.Droplets.Count;
        }

        Assert.True(added >= 20, $"{added} touching droplets added to 20 sessions at share 1");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Constructor_TouchingShareOutsideZeroToOne_IsRefused(double share)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DropletMicroscopeSimulator(1, touchingShare: share));
    }

    [Fact]
    public void Frames_OfDifferentVocs_OnTheSameDroplets_Differ()
    {
        // Same seed, so both sessions place the same droplets: any difference comes from the VOC's response.
        var acetone = Render("acetone", 2.5f, 0);
        var again = Render("acetone", 2.5f, 0);
        var toluene = Render("toluene", 2.5f, 0);
        var hexane = Render("hexane", 2.5f, 0);
        Assert.Equal(acetone, again);
        Assert.True(MeanAbsoluteDifference(acetone, toluene) > 2, $"acetone vs toluene differ by only {MeanAbsoluteDifference(acetone, toluene):0.00}");
        Assert.True(MeanAbsoluteDifference(acetone, hexane) > 2, $"acetone vs hexane differ by only {MeanAbsoluteDifference(acetone, hexane):0.00}");
    }

    [Fact]
    public void Response_GrowsWithTimeAndConcentration()
    {
        var droplet = new Droplet(32, 32, 10, 0, 2, 1);
        var acetone = DropletMicroscopeSimulator.Voc("acetone");
        Assert.Equal(0, DropletMicroscopeSimulator.Response(acetone, 2, droplet, 0));
        Assert.True(DropletMicroscopeSimulator.Response(acetone, 2, droplet, 4) > DropletMicroscopeSimulator.Response(acetone, 2, droplet, 1));
        Assert.True(DropletMicroscopeSimulator.Response(acetone, 4, droplet, 2) > DropletMicroscopeSimulator.Response(acetone, 1, droplet, 2));
    }

    [Fact]
    public void DegradationLevel_ChangesThePixels_MoreAtHigherLevels()
    {
        var pristine = Render("ethanol", 2, 0);
        var mild = Render("ethanol", 2, 0.3f);
        var severe = Render("ethanol", 2, 0.9f);
        var mildChange = MeanAbsoluteDifference(pristine, mild);
        var severeChange = MeanAbsoluteDifference(pristine, severe);
        Assert.True(mildChange > 1, $"degradation 0.3 changed pixels by only {mildChange:0.00}");
        Assert.True(severeChange > mildChange, $"degradation 0.9 changed pixels by {severeChange:0.00}, not more than 0.3's {mildChange:0.00}");
    }

    [Fact]
    public void Constructor_FrameSizeOutOfRange_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DropletMicroscopeSimulator(1, width: 4, height: 4));
        Assert.Contains("pixels", error.Message);
    }

    [Fact]
    public void Voc_UnknownName_IsRefusedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => DropletMicroscopeSimulator.Voc("water"));
        Assert.Contains("water", error.Message);
    }

    private static byte[] Render(string voc, float concentration, float degradation)
    {
        var simulator = new DropletMicroscopeSimulator(seed: 5, width: 64, height: 64);
        var session = simulator.NextSession(DropletMicroscopeSimulator.Voc(voc), concentration, degradation);
        return simulator.RenderFrame(session, session.FrameCount - 1);
    }

    private static double MeanAbsoluteDifference(byte[] a, byte[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
}

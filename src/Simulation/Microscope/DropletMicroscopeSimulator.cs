using Pipeline.Protocol;

namespace Pipeline.Simulation.Microscope;

/// <summary>
/// A polarised microscope looking at liquid-crystal droplets in a gel film between crossed polarisers.
/// At rest each droplet is radial (a Maltese cross with concentric interference rings); exposure to a VOC
/// drives it toward a bipolar texture at a VOC-specific rate, rotating the cross, changing the ring count
/// and the brightness, with an amplitude that grows with concentration (see docs/DEVICES.md).
/// Deterministic for a seed; Gray8 frames (a monochrome camera at the reference wavelength) or Rgb24 frames, where
/// each colour sees the droplets' retardation at its own wavelength, giving the interference colours of a colour camera.
/// </summary>
public sealed class DropletMicroscopeSimulator
{
    public const int DefaultSide = 128;
    public const int MinSide = 16;
    public const int MaxSide = 1024;
    public const int DefaultFramesPerSession = 8;
    public const double DefaultFrameIntervalSeconds = 2;
    public const float MinConcentrationPercent = 0.9f;
    public const float MaxConcentrationPercent = 4.0f;

    /// <summary>
    /// How often a session's film holds a droplet touching another (rim to rim or slightly overlapping): the chance
    /// of a touching pair, and of a third droplet on that pair the same chance again. Real emulsion films pack
    /// droplets closely, so some always touch; a quarter of frames with a pair keeps single droplets the majority.
    /// </summary>
    public const double DefaultTouchingShare = 0.25;

    private const double BackgroundLevel = 14;
    private const double SensorNoiseSd = 1.5;
    private const double PeakTransmission = 225;

    // Radii as fractions of the frame side: big enough that a 64-pixel frame still resolves the cross and the rings.
    private const double MinRadiusFraction = 0.08;
    private const double MaxRadiusFraction = 0.16;

    // Retardation scales with 1/λ: red (650 nm), green (the 550 nm reference), blue (450 nm).
    private static readonly double[] GrayWavelengthScale = [1.0];
    private static readonly double[] RgbWavelengthScale = [550.0 / 650, 1.0, 550.0 / 450];

    // How far a full response turns the texture toward bipolar. The bipolar axis is random per droplet, so a fully
    // bipolar droplet would hide the cross rotation, the VOC's most telling cue; real droplets keep part of the cross.
    private const double BipolarShare = 0.5;

    /// <summary>Frame intervals of exposure before the first frame is taken.</summary>
    public const int OnsetFrames = 2;

    // A single frame shows the response only scaled by how far it has gone, so VOCs differ in the direction of
    // (rotation, ring change, brightness change): the sign of at least one cue or their ratio, except the two
    // deliberately close pairs (toluene/xylene, chloroform/dichloromethane). Rotations stay within ±35° because the
    // cross repeats every 90°: +45° and -45° would look alike.
    public static readonly IReadOnlyList<VocProfile> Vocs =
    [
        new("acetone", Rate: 0.30, CrossRotationDegrees: 25, RingDelta: 2.0, Brightness: 1.30),
        new("ethanol", Rate: 0.18, CrossRotationDegrees: -25, RingDelta: 1.5, Brightness: 0.70),
        new("methanol", Rate: 0.22, CrossRotationDegrees: -30, RingDelta: -1.5, Brightness: 0.75),
        new("isopropanol", Rate: 0.12, CrossRotationDegrees: 20, RingDelta: -1.5, Brightness: 0.70),
        new("toluene", Rate: 0.40, CrossRotationDegrees: 35, RingDelta: -1.0, Brightness: 1.35),
        new("xylene", Rate: 0.33, CrossRotationDegrees: 30, RingDelta: -1.5, Brightness: 1.30),
        new("hexane", Rate: 0.08, CrossRotationDegrees: -30, RingDelta: -1.0, Brightness: 1.35),
        new("chloroform", Rate: 0.50, CrossRotationDegrees: -10, RingDelta: 2.5, Brightness: 1.40),
        new("dichloromethane", Rate: 0.45, CrossRotationDegrees: -15, RingDelta: 3.0, Brightness: 1.25),
        new("ethyl-acetate", Rate: 0.25, CrossRotationDegrees: 30, RingDelta: 1.0, Brightness: 0.70),
        new("acetonitrile", Rate: 0.15, CrossRotationDegrees: 0, RingDelta: 2.5, Brightness: 0.65),
    ];

    // The most a touching droplet overlaps its partner, as a fraction of the smaller radius.
    private const double MaxOverlapFraction = 0.15;

    private readonly Random _random;

    // Touching droplets draw from their own stream, so the VOC, concentration, degradation, the other droplets and the
    // noise of every session are the same for a seed whatever the touching share.
    private readonly Random _touching;

    public DropletMicroscopeSimulator(
        int seed,
        int width = DefaultSide,
        int height = DefaultSide,
        float maxDegradation = 0,
        int framesPerSession = DefaultFramesPerSession,
        double frameIntervalSeconds = DefaultFrameIntervalSeconds,
        PixelFormat format = PixelFormat.Gray8,
        double touchingShare = DefaultTouchingShare)
    {
        if (format is not (PixelFormat.Gray8 or PixelFormat.Rgb24))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "frames are Gray8 or Rgb24");
        }

        if (width is < MinSide or > MaxSide || height is < MinSide or > MaxSide)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"frames must be {MinSide}..{MaxSide} pixels on each side; got {width}x{height}");
        }

        if (!(maxDegradation is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegradation), maxDegradation, "the maximum degradation level must be 0..1");
        }

        if (framesPerSession is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(framesPerSession), framesPerSession, "a session holds 1..1000 frames");
        }

        if (!(frameIntervalSeconds is > 0 and <= 3600))
        {
            throw new ArgumentOutOfRangeException(nameof(frameIntervalSeconds), frameIntervalSeconds, "the frame interval must be in (0, 3600] seconds");
        }

        if (!(touchingShare is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(touchingShare), touchingShare, "the touching share must be 0..1");
        }

        _random = new Random(seed);
        _touching = new Random(unchecked((seed * 7919) + 17));
        TouchingShare = touchingShare;
        Width = width;
        Height = height;
        MaxDegradation = maxDegradation;
        FramesPerSession = framesPerSession;
        FrameIntervalSeconds = frameIntervalSeconds;
        Format = format;
    }

    public int Width { get; }

    public int Height { get; }

    public float MaxDegradation { get; }

    public int FramesPerSession { get; }

    public double FrameIntervalSeconds { get; }

    /// <summary>The chance that a session holds a touching pair (see <see cref="DefaultTouchingShare"/>).</summary>
    public double TouchingShare { get; }

    /// <summary>Gray8 or Rgb24: what <see cref="RenderFrame"/> returns.</summary>
    public PixelFormat Format { get; }

    public static VocProfile Voc(string name) =>
        Vocs.FirstOrDefault(v => v.Name == name) ?? throw new ArgumentException($"unknown VOC \"{name}\"", nameof(name));

    public DropletSession NextSession()
    {
        var voc = Vocs[_random.Next(Vocs.Count)];
        var concentration = MinConcentrationPercent + (float)_random.NextDouble() * (MaxConcentrationPercent - MinConcentrationPercent);
        var degradation = MaxDegradation * (float)_random.NextDouble();
        return NextSession(voc, concentration, degradation);
    }

    public DropletSession NextSession(VocProfile voc, float concentrationPercent, float degradationLevel)
    {
        if (!(degradationLevel is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(degradationLevel), degradationLevel, "the degradation level must be 0..1");
        }

        var side = Math.Min(Width, Height);
        var droplets = new List<Droplet>();
        var wanted = _random.Next(3, 6);
        for (var attempt = 0; attempt < 200 && droplets.Count < wanted; attempt++)
        {
            var radius = side * (MinRadiusFraction + ((MaxRadiusFraction - MinRadiusFraction) * _random.NextDouble()));
            var x = radius + 1 + _random.NextDouble() * (Width - 2 * radius - 2);
            var y = radius + 1 + _random.NextDouble() * (Height - 2 * radius - 2);
            if (droplets.Any(d => Math.Pow(d.CentreX - x, 2) + Math.Pow(d.CentreY - y, 2) < Math.Pow(d.Radius + radius + 2, 2)))
            {
                continue;
            }

            droplets.Add(NewDroplet(_random, x, y, radius, side));
        }

        for (var partner = droplets.Count > 0 ? droplets[^1] : null; partner is not null && _touching.NextDouble() < TouchingShare;)
        {
            partner = AddTouching(droplets, partner, side);
        }

        return new DropletSession(voc, concentrationPercent, degradationLevel, droplets, FramesPerSession, FrameIntervalSeconds, _random.Next());
    }

    private static Droplet NewDroplet(Random random, double x, double y, double radius, int side)
    {
        var rings = 1 + 2.5 * radius / (MaxRadiusFraction * side) + NormalDistribution.Sample(random, 0, 0.2);
        var sensitivity = Math.Clamp(NormalDistribution.Sample(random, 1, 0.12), 0.6, 1.4);
        return new Droplet(x, y, radius, random.NextDouble() * Math.PI, rings, sensitivity);
    }

    // A droplet of any size against the partner's rim, at most slightly overlapping it, inside the frame and clear of
    // every other droplet; null when no such place is found (a crowded film), which ends the chain.
    private Droplet? AddTouching(List<Droplet> droplets, Droplet partner, int side)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var radius = side * (MinRadiusFraction + ((MaxRadiusFraction - MinRadiusFraction) * _touching.NextDouble()));
            var overlap = MaxOverlapFraction * Math.Min(radius, partner.Radius) * _touching.NextDouble();
            var (sin, cos) = Math.SinCos(2 * Math.PI * _touching.NextDouble());
            var distance = partner.Radius + radius - overlap;
            var x = partner.CentreX + (distance * cos);
            var y = partner.CentreY + (distance * sin);
            var inside = x >= radius + 1 && x <= Width - radius - 1 && y >= radius + 1 && y <= Height - radius - 1;
            if (inside && droplets.All(d => d == partner || Math.Pow(d.CentreX - x, 2) + Math.Pow(d.CentreY - y, 2) >= Math.Pow(d.Radius + radius + 2, 2)))
            {
                var droplet = NewDroplet(_touching, x, y, radius, side);
                droplets.Add(droplet);
                return droplet;
            }
        }

        return null;
    }

    /// <summary>
    /// How far a droplet has gone from radial (0) toward bipolar (1) <paramref name="seconds"/> into the exposure:
    /// first-order kinetics at a rate proportional to concentration, saturating at an amplitude that also grows with it.
    /// </summary>
    public static double Response(VocProfile voc, float concentrationPercent, Droplet droplet, double seconds)
    {
        var amplitude = Math.Min(1, 0.55 + 0.15 * concentrationPercent);
        return amplitude * (1 - Math.Exp(-voc.Rate * concentrationPercent * droplet.Sensitivity * seconds));
    }

    /// <summary>Renders frame <paramref name="frameIndex"/> of <paramref name="session"/> as <see cref="Format"/> pixels, rows top to bottom.</summary>
    public byte[] RenderFrame(DropletSession session, int frameIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frameIndex, session.FrameCount);
        var random = new Random(unchecked(session.NoiseSeed * 31 + frameIndex));
        var scales = Format == PixelFormat.Rgb24 ? RgbWavelengthScale : GrayWavelengthScale;
        var pixels = new byte[Width * Height * scales.Length];
        for (var plane = 0; plane < scales.Length; plane++)
        {
            var image = RenderPlane(session, frameIndex, scales[plane], random);
            for (var i = 0; i < image.Length; i++)
            {
                pixels[(i * scales.Length) + plane] = (byte)Math.Clamp(Math.Round(image[i]), 0, 255);
            }
        }

        return pixels;
    }

    private double[] RenderPlane(DropletSession session, int frameIndex, double wavelengthScale, Random random)
    {
        var image = new double[Width * Height];
        var phaseX = (session.NoiseSeed & 0xFF) / 40.0;
        var phaseY = ((session.NoiseSeed >> 8) & 0xFF) / 40.0;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                // The gel film is not perfectly isotropic: a faint, slowly varying glow between the droplets.
                image[y * Width + x] = BackgroundLevel + 5 * Math.Sin(x * 0.11 + phaseX) * Math.Sin(y * 0.07 + phaseY);
            }
        }

        // The vapour reaches the film before the first frame is taken, and recording starts once the texture has
        // visibly begun to change (OnsetFrames intervals in), so every frame carries a classifiable response.
        var seconds = (frameIndex + 1 + OnsetFrames) * session.FrameIntervalSeconds;
        foreach (var droplet in session.Droplets)
        {
            DrawDroplet(image, session.Voc, Response(session.Voc, session.ConcentrationPercent, droplet, seconds), droplet, wavelengthScale);
        }

        for (var i = 0; i < image.Length; i++)
        {
            image[i] += NormalDistribution.Sample(random, 0, SensorNoiseSd);
        }

        FrameDegradation.Apply(image, Width, Height, session.DegradationLevel, random);
        return image;
    }

    private void DrawDroplet(double[] image, VocProfile voc, double response, Droplet droplet, double wavelengthScale)
    {
        var r = droplet.Radius;
        var rings = Math.Max(0.5, droplet.RestingRings + response * voc.RingDelta);
        var brightness = 1 + response * (voc.Brightness - 1);
        var rotation = response * voc.CrossRotationDegrees * Math.PI / 180;
        var (axisSin, axisCos) = Math.SinCos(droplet.BipolarAxis);
        var x0 = Math.Max(0, (int)Math.Floor(droplet.CentreX - r - 1));
        var x1 = Math.Min(Width - 1, (int)Math.Ceiling(droplet.CentreX + r + 1));
        var y0 = Math.Max(0, (int)Math.Floor(droplet.CentreY - r - 1));
        var y1 = Math.Min(Height - 1, (int)Math.Ceiling(droplet.CentreY + r + 1));
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                var u = (x + 0.5 - droplet.CentreX) / r;
                var v = (y + 0.5 - droplet.CentreY) / r;
                var rho = Math.Sqrt(u * u + v * v);
                var coverage = Math.Clamp((1 - rho) * r + 0.5, 0, 1);
                if (coverage <= 0)
                {
                    continue;
                }

                // Director angle: radial (pointing out from the centre) blended toward bipolar (the circles through
                // the two poles on the droplet's axis). A nematic director has no head, so blend doubled angles.
                var radial = Math.Atan2(v, u);
                var a = u * axisCos + v * axisSin;
                var b = -u * axisSin + v * axisCos;
                var bipolar = droplet.BipolarAxis + Math.Atan2(2 * a * b, a * a - b * b - 1);
                var blend = BipolarShare * response;
                var c2 = (1 - blend) * Math.Cos(2 * radial) + blend * Math.Cos(2 * bipolar);
                var s2 = (1 - blend) * Math.Sin(2 * radial) + blend * Math.Sin(2 * bipolar);
                var order = Math.Min(1, Math.Sqrt(c2 * c2 + s2 * s2));
                var director = 0.5 * Math.Atan2(s2, c2) + rotation;

                // Crossed polarisers: extinction where the director lies along either polariser; the optical path
                // through a sphere (thickest at the centre) gives the concentric interference rings.
                var cross = Math.Pow(Math.Sin(2 * director), 2);
                var retardation = Math.PI * rings * wavelengthScale * Math.Sqrt(Math.Max(0, 1 - rho * rho));
                var transmission = cross * Math.Pow(Math.Sin(retardation), 2) * order;
                var value = BackgroundLevel + PeakTransmission * brightness * transmission;
                var index = y * Width + x;
                image[index] = image[index] * (1 - coverage) + value * coverage;
            }
        }
    }
}

using System.Buffers;
using Pipeline.Protocol;

namespace Pipeline.Tasks.Droplet;

/// <summary>
/// Finds the liquid-crystal droplets in a microscopy frame and cuts each into a square model input; trainer and
/// edge share it, so a droplet is cut the same way in both. Deterministic, never throws on odd pixel content
/// (only on dimensions that do not match the pixel bytes, as <see cref="DropletImaging"/>), at most
/// <see cref="MaxDroplets"/> per frame.
/// <para>
/// Why these steps: between crossed polarisers a droplet is bright lobes split by the dark Maltese cross and dark
/// interference rings, on a dim gel film. (1) The background and its noise come from the frame's own luma
/// histogram (median, and 1.4826 × the median absolute deviation), robust to droplets covering up to about half
/// the frame. (2) After a 3 × 3 mean, a pixel is droplet when it is brighter than the background by 4 noise
/// deviations (at least <see cref="MinimumContrast"/> grey levels). (3) The mask is dilated by about 1.2% of the
/// frame side (at least a pixel) so the lobes of one droplet, which meet at its centre, join into one component,
/// while the gap the film keeps between droplets (their dark rims) mostly stays open. (4) Components are 4-connected. (5) Merge rule: two components whose
/// joint bounding box is nearly square and mostly filled are one droplet (fragments cut apart by a dark ring or
/// arm); two droplets side by side or diagonal leave their joint box long or half empty and stay apart.
/// (6) Area bounds: components whose box is under <see cref="MinimumDiameterFraction"/> of the frame side are noise.
/// (7) Split rule, before merging: a component that is droplets touching (large, not convex, elongated) is cut by a
/// watershed on its distance transform, one piece per droplet (<see cref="TouchingDropletSplit"/>, which says why it is
/// gated); pieces of one component are never merged back, and a piece under the area bound is noise like any component
/// (should fewer than two pieces pass it, the component stays whole). (8) The largest
/// <see cref="MaxDroplets"/> are kept, ordered top to bottom, left to right.
/// </para>
/// <para>
/// A frame with no droplet found (black, flat, pure noise) is not dropped: <see cref="Crop"/> then returns one crop
/// of the whole frame marked <see cref="DetectedDroplet.WholeFrame"/>, so every frame still gets a prediction.
/// </para>
/// </summary>
public static class DropletSegmenter
{
    /// <summary>Side of the square grayscale crop the droplet model takes.</summary>
    public const int CropSide = 32;

    /// <summary>The most droplets taken from one frame; bounds the work per frame whatever it shows.</summary>
    public const int MaxDroplets = 16;

    /// <summary>How much wider than the droplet its crop is, so the dark rim and a little film are in view.</summary>
    public const float CropMargin = 1.25f;

    /// <summary>A droplet must be at least this much brighter than the background, in grey levels.</summary>
    public const float MinimumContrast = 12f;

    /// <summary>The smallest droplet diameter taken, as a fraction of the frame's shorter side.</summary>
    public const float MinimumDiameterFraction = 0.05f;

    // The most components merged; a frame of speckle could hold thousands, and merging is quadratic.
    private const int MaxCandidates = 64;
    private const float NoiseDeviations = 4f;
    private const double DilationFraction = 0.012;
    private const double MergeMinimumFill = 0.5;
    private const double MergeMaximumAspect = 1.35;

    private sealed class Component
    {
        public int MinX = int.MaxValue, MinY = int.MaxValue, MaxX = -1, MaxY = -1;
        public long Area;

        // The frame indices of its pixels, for the split; null once it has been merged from several.
        public List<int>? Pixels = [];

        // Pieces of one component split apart as touching droplets share a nonzero number and are never merged back.
        public int SplitFrom;

        public int Width => MaxX - MinX + 1;

        public int Height => MaxY - MinY + 1;

        public void Include(Component other)
        {
            MinX = Math.Min(MinX, other.MinX);
            MinY = Math.Min(MinY, other.MinY);
            MaxX = Math.Max(MaxX, other.MaxX);
            MaxY = Math.Max(MaxY, other.MaxY);
            Area += other.Area;
            Pixels = null;
            SplitFrom = SplitFrom != 0 ? SplitFrom : other.SplitFrom;
        }
    }

    /// <summary>The droplets in <paramref name="frame"/>, at most <see cref="MaxDroplets"/>; empty when none is found.</summary>
    public static IReadOnlyList<DetectedDroplet> Find(MicroscopyFrame frame) => Find(frame, splitTouching: true);

    // Without the split of touching droplets, the segmenter as it was before it: what its tests compare against.
    internal static IReadOnlyList<DetectedDroplet> Find(MicroscopyFrame frame, bool splitTouching) =>
        Find(DropletImaging.Luma(frame), frame.Width, frame.Height, splitTouching, out _);

    /// <summary>
    /// Every droplet of <paramref name="frame"/> as a [1 × <see cref="CropSide"/>²] input, or one crop of the whole
    /// frame when none is found.
    /// </summary>
    public static IReadOnlyList<DropletCrop> Crop(MicroscopyFrame frame)
    {
        var luma = DropletImaging.Luma(frame);
        var droplets = Find(luma, frame.Width, frame.Height, splitTouching: true, out var background);
        var crops = new List<DropletCrop>(Math.Max(1, droplets.Count));
        if (droplets.Count == 0)
        {
            var whole = new float[CropSide * CropSide];
            DropletImaging.Resample(luma, frame.Width, frame.Height, 0, 0, frame.Width, frame.Height, background, CropSide, whole);
            crops.Add(new DropletCrop(new DetectedDroplet(frame.Width / 2f, frame.Height / 2f, Math.Max(frame.Width, frame.Height), WholeFrame: true), whole));
            return crops;
        }

        foreach (var droplet in droplets)
        {
            var side = Math.Max(1.0, droplet.Diameter * CropMargin);
            var input = new float[CropSide * CropSide];
            DropletImaging.Resample(luma, frame.Width, frame.Height, droplet.CentreX - (side / 2), droplet.CentreY - (side / 2), side, side, background, CropSide, input);
            crops.Add(new DropletCrop(droplet, input));
        }

        return crops;
    }

    private static List<DetectedDroplet> Find(float[] luma, int width, int height, bool splitTouching, out float background)
    {
        var pixels = width * height;
        var smoothed = ArrayPool<float>.Shared.Rent(pixels);
        var mask = ArrayPool<byte>.Shared.Rent(pixels);
        var dilated = ArrayPool<byte>.Shared.Rent(pixels);
        try
        {
            Smooth(luma, smoothed, width, height);
            var (median, deviation) = BackgroundOf(smoothed.AsSpan(0, pixels));
            background = median;
            var threshold = median + Math.Max(NoiseDeviations * deviation, MinimumContrast);
            for (var i = 0; i < pixels; i++)
            {
                mask[i] = smoothed[i] > threshold ? (byte)1 : (byte)0;
            }

            var radius = Math.Max(1, (int)Math.Round(Math.Min(width, height) * DilationFraction));
            Dilate(mask, dilated, width, height, radius);
            var minimumDiameter = Math.Max(3f, MinimumDiameterFraction * Math.Min(width, height));
            var components = Components(dilated, width, height, minimumDiameter + (2 * radius));
            var candidates = (splitTouching ? Split(components, width, Math.Min(width, height), minimumDiameter + (2 * radius)) : components)
                .OrderByDescending(c => c.Area).ThenBy(c => c.MinY).ThenBy(c => c.MinX)
                .Take(MaxCandidates)
                .ToList();
            Merge(candidates);

            // The dilation grew each box by its radius on every side; the droplet is the box without it.
            return candidates
                .OrderByDescending(c => c.Area).ThenBy(c => c.MinY).ThenBy(c => c.MinX)
                .Take(MaxDroplets)
                .Select(c => new DetectedDroplet(
                    (c.MinX + c.MaxX + 1) / 2f,
                    (c.MinY + c.MaxY + 1) / 2f,
                    Math.Max(1f, Math.Max(c.Width, c.Height) - (2f * radius))))
                .OrderBy(d => d.CentreY).ThenBy(d => d.CentreX)
                .ToList();
        }
        finally
        {
            ArrayPool<float>.Shared.Return(smoothed);
            ArrayPool<byte>.Shared.Return(mask);
            ArrayPool<byte>.Shared.Return(dilated);
        }
    }

    // A 3 × 3 mean (clipped at the frame's edges) before anything else: it divides sensor noise by three and turns
    // the coarse steps a lossy encoder leaves (up to 32 grey levels) into finer ones, so the histogram's spread
    // measures the noise instead of the step size.
    private static void Smooth(float[] luma, float[] output, int width, int height)
    {
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                float sum = 0;
                var count = 0;
                for (var sy = Math.Max(0, y - 1); sy <= Math.Min(height - 1, y + 1); sy++)
                {
                    for (var sx = Math.Max(0, x - 1); sx <= Math.Min(width - 1, x + 1); sx++)
                    {
                        sum += luma[(sy * width) + sx];
                        count++;
                    }
                }

                output[(y * width) + x] = sum / count;
            }
        }
    }

    // Median and scaled median absolute deviation of the luma, from 256-bin histograms (luma is 0..255).
    private static (float Median, float Deviation) BackgroundOf(ReadOnlySpan<float> luma)
    {
        Span<int> histogram = stackalloc int[256];
        foreach (var value in luma)
        {
            histogram[Bin(value)]++;
        }

        var median = MedianBin(histogram, luma.Length);
        histogram.Clear();
        foreach (var value in luma)
        {
            histogram[Math.Abs(Bin(value) - median)]++;
        }

        return (median, Math.Max(1f, 1.4826f * MedianBin(histogram, luma.Length)));
    }

    private static int Bin(float value) => float.IsFinite(value) ? Math.Clamp((int)MathF.Round(value), 0, 255) : 0;

    private static int MedianBin(ReadOnlySpan<int> histogram, int count)
    {
        var seen = 0;
        for (var bin = 0; bin < histogram.Length; bin++)
        {
            seen += histogram[bin];
            if (2 * seen >= count)
            {
                return bin;
            }
        }

        return histogram.Length - 1;
    }

    // Square dilation as two separable passes of a running count: O(pixels) whatever the radius.
    private static void Dilate(byte[] mask, byte[] output, int width, int height, int radius)
    {
        var rows = ArrayPool<byte>.Shared.Rent(width * height);
        try
        {
            for (var y = 0; y < height; y++)
            {
                var row = y * width;
                var count = 0;
                for (var x = 0; x < Math.Min(radius, width); x++)
                {
                    count += mask[row + x];
                }

                for (var x = 0; x < width; x++)
                {
                    if (x + radius < width)
                    {
                        count += mask[row + x + radius];
                    }

                    if (x - radius - 1 >= 0)
                    {
                        count -= mask[row + x - radius - 1];
                    }

                    rows[row + x] = count > 0 ? (byte)1 : (byte)0;
                }
            }

            for (var x = 0; x < width; x++)
            {
                var count = 0;
                for (var y = 0; y < Math.Min(radius, height); y++)
                {
                    count += rows[(y * width) + x];
                }

                for (var y = 0; y < height; y++)
                {
                    if (y + radius < height)
                    {
                        count += rows[((y + radius) * width) + x];
                    }

                    if (y - radius - 1 >= 0)
                    {
                        count -= rows[((y - radius - 1) * width) + x];
                    }

                    output[(y * width) + x] = count > 0 ? (byte)1 : (byte)0;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rows);
        }
    }

    // 4-connected components by flood fill with an explicit stack (no recursion depth to exhaust); clears the mask.
    // Only components whose box is at least minimumSide wide or high are kept, so speckle allocates nothing.
    private static List<Component> Components(byte[] mask, int width, int height, float minimumSide)
    {
        var components = new List<Component>();
        var scratch = new Component();
        var stack = ArrayPool<int>.Shared.Rent(width * height);
        try
        {
            for (var start = 0; start < width * height; start++)
            {
                if (mask[start] == 0)
                {
                    continue;
                }

                var component = scratch;
                component.MinX = component.MinY = int.MaxValue;
                component.MaxX = component.MaxY = -1;
                component.Area = 0;
                component.Pixels!.Clear();
                var top = 0;
                stack[top++] = start;
                mask[start] = 0;
                while (top > 0)
                {
                    var index = stack[--top];
                    int x = index % width, y = index / width;
                    component.MinX = Math.Min(component.MinX, x);
                    component.MaxX = Math.Max(component.MaxX, x);
                    component.MinY = Math.Min(component.MinY, y);
                    component.MaxY = Math.Max(component.MaxY, y);
                    component.Area++;
                    component.Pixels!.Add(index);
                    top = Visit(mask, stack, top, x > 0, index - 1);
                    top = Visit(mask, stack, top, x < width - 1, index + 1);
                    top = Visit(mask, stack, top, y > 0, index - width);
                    top = Visit(mask, stack, top, y < height - 1, index + width);
                }

                if (Math.Max(component.Width, component.Height) >= minimumSide)
                {
                    components.Add(component);
                    scratch = new Component();
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(stack);
        }

        return components;
    }

    // Pushes a neighbour that is inside the frame and still set, clearing it so no pixel is pushed twice (the stack
    // therefore never holds more than the frame's pixels).
    private static int Visit(byte[] mask, int[] stack, int top, bool inside, int neighbour)
    {
        if (inside && mask[neighbour] != 0)
        {
            mask[neighbour] = 0;
            stack[top++] = neighbour;
        }

        return top;
    }

    // Each component that is droplets touching becomes one component per droplet (TouchingDropletSplit says when).
    private static List<Component> Split(List<Component> components, int width, int shorterSide, float minimumSide)
    {
        var result = new List<Component>(components.Count);
        for (var c = 0; c < components.Count; c++)
        {
            var component = components[c];
            var groups = TouchingDropletSplit.Split(component.Pixels!, width, component.MinX, component.MinY, component.MaxX, component.MaxY, shorterSide);
            var pieces = groups.Count == 1 ? [] : groups.Select(group => PieceOf(group, c + 1, width)).Where(p => Math.Max(p.Width, p.Height) >= minimumSide).ToList();
            if (pieces.Count < 2)
            {
                result.Add(component);
                continue;
            }

            result.AddRange(pieces);
        }

        return result;
    }

    private static Component PieceOf(List<int> group, int splitFrom, int width)
    {
        var piece = new Component { SplitFrom = splitFrom, Pixels = group, Area = group.Count };
        foreach (var index in group)
        {
            piece.MinX = Math.Min(piece.MinX, index % width);
            piece.MaxX = Math.Max(piece.MaxX, index % width);
            piece.MinY = Math.Min(piece.MinY, index / width);
            piece.MaxY = Math.Max(piece.MaxY, index / width);
        }

        return piece;
    }

    private static void Merge(List<Component> candidates)
    {
        for (var merged = true; merged;)
        {
            merged = false;
            for (var a = 0; a < candidates.Count && !merged; a++)
            {
                for (var b = a + 1; b < candidates.Count && !merged; b++)
                {
                    if (AreOneDroplet(candidates[a], candidates[b]))
                    {
                        candidates[a].Include(candidates[b]);
                        candidates.RemoveAt(b);
                        merged = true;
                    }
                }
            }
        }
    }

    private static bool AreOneDroplet(Component a, Component b)
    {
        if (a.SplitFrom != 0 && a.SplitFrom == b.SplitFrom)
        {
            return false;
        }

        var width = Math.Max(a.MaxX, b.MaxX) - Math.Min(a.MinX, b.MinX) + 1;
        var height = Math.Max(a.MaxY, b.MaxY) - Math.Min(a.MinY, b.MinY) + 1;
        var aspect = (double)Math.Max(width, height) / Math.Min(width, height);

        // A filled disc covers π/4 of its box; two discs side by side or diagonal cover well under half of theirs.
        return aspect <= MergeMaximumAspect && (double)(a.Area + b.Area) / ((double)width * height) >= MergeMinimumFill;
    }
}

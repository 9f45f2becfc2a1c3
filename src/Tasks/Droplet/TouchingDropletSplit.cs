namespace Pipeline.Tasks.Droplet;

/// <summary>
/// Splits one segmented component into the droplets that touch inside it, by a marker-based watershed on the distance
/// transform of its filled blob; a component that is one droplet comes back whole.
/// <para>
/// Why it is gated: between crossed polarisers a single droplet is bright lobes cut by the dark Maltese cross, so its
/// blob is a clover whose distance transform has a peak in every lobe, joined by thin necks at its centre, and a
/// plain "one seed per peak" watershed splits it. So a component is split only when its filled blob is (1) larger
/// than most single droplets (<see cref="MinimumAreaFraction"/>), (2) not convex (solidity, area over convex-hull
/// area, at most <see cref="MaximumSolidity"/>) and (3) elongated (<see cref="MinimumElongation"/>), as two discs side
/// by side are and a clover is not. Then (4) only peaks at least <see cref="MinimumPeakRatio"/> as deep as the
/// component's deepest seed a droplet, and (5) two basins stay apart only where the saddle between them is a neck
/// (at most <see cref="MaximumNeckRatio"/> of the shallower peak); every other basin floods into its neighbour.
/// Measured on the simulator's frames (tests/Trainer.Tests/Droplets/TouchingDropletSplitTests.cs): single droplets of
/// every size, VOC, response and degradation are found exactly as without the split; touching pairs and triples are
/// counted right about twice as often.
/// </para>
/// </summary>
internal static class TouchingDropletSplit
{
    // (1)-(3), measured on components of rendered single droplets and touching pairs at 64 and 128 pixels: singles'
    // blobs (whole or fragments) covered at most 0.06 of the side squared in nine of ten, pairs' at least 0.057; their
    // solidity 0.77-0.92 and 0.72-0.86; their elongation 1.1-2.0 and 1.8-2.5 (10th to 90th percentile).
    private const double MinimumAreaFraction = 0.07;
    private const double MaximumSolidity = 0.88;
    private const double MinimumElongation = 1.6;

    // (4) A pair's smaller droplet is at most half as wide as its larger; (5) chosen over 0.4-1.0 by the count exact.
    private const double MinimumPeakRatio = 0.55;
    private const double MaximumNeckRatio = 0.8;

    // Chamfer distances (3 along an axis, 4 diagonally) approximate the Euclidean distance within 8%.
    private const int Axial = 3;
    private const int Diagonal = 4;

    /// <summary>
    /// The pixel groups (frame indices) that <paramref name="pixels"/>, one 4-connected component of a
    /// <paramref name="width"/>-wide frame inside the box from (<paramref name="minX"/>, <paramref name="minY"/>) to
    /// (<paramref name="maxX"/>, <paramref name="maxY"/>), splits into; one group (the input) when it is one droplet.
    /// </summary>
    public static List<List<int>> Split(List<int> pixels, int width, int minX, int minY, int maxX, int maxY, int frameShorterSide)
    {
        var minimumArea = MinimumAreaFraction * frameShorterSide * frameShorterSide;
        if (pixels.Count < minimumArea)
        {
            return [pixels];
        }

        // The box with a one-pixel border of background, so the fill and the distance transform see the outside.
        var boxWidth = maxX - minX + 3;
        var boxHeight = maxY - minY + 3;
        var blob = new byte[boxWidth * boxHeight];
        foreach (var index in pixels)
        {
            blob[Local(index, width, minX, minY, boxWidth)] = 1;
        }

        var area = FillHoles(blob, boxWidth, boxHeight);
        if (area < minimumArea || area / ConvexHullArea(blob, boxWidth, boxHeight) > MaximumSolidity || Elongation(blob, boxWidth) < MinimumElongation)
        {
            return [pixels];
        }

        var distance = DistanceTransform(blob, boxWidth, boxHeight);
        var region = Flood(blob, distance, boxWidth, MinimumPeakRatio * distance.Max());
        var groups = new Dictionary<int, List<int>>();
        foreach (var index in pixels)
        {
            var label = region[Local(index, width, minX, minY, boxWidth)];
            if (!groups.TryGetValue(label, out var group))
            {
                groups[label] = group = [];
            }

            group.Add(index);
        }

        return groups.Count <= 1 ? [pixels] : [.. groups.OrderBy(g => g.Key).Select(g => g.Value)];
    }

    private static int Local(int index, int width, int minX, int minY, int boxWidth) =>
        ((index / width) - minY + 1) * boxWidth + ((index % width) - minX + 1);

    // Background not reachable from the border (the dark rings and centre a droplet's lobes enclose) becomes blob;
    // returns the blob's area after filling.
    private static int FillHoles(byte[] blob, int boxWidth, int boxHeight)
    {
        const byte outside = 2;
        var stack = new Stack<int>();
        stack.Push(0);
        blob[0] = outside;
        while (stack.Count > 0)
        {
            var index = stack.Pop();
            int x = index % boxWidth, y = index / boxWidth;
            foreach (var (nx, ny) in new[] { (x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1) })
            {
                if (nx >= 0 && ny >= 0 && nx < boxWidth && ny < boxHeight && blob[(ny * boxWidth) + nx] == 0)
                {
                    blob[(ny * boxWidth) + nx] = outside;
                    stack.Push((ny * boxWidth) + nx);
                }
            }
        }

        var area = 0;
        for (var i = 0; i < blob.Length; i++)
        {
            blob[i] = blob[i] == outside ? (byte)0 : (byte)1;
            area += blob[i];
        }

        return area;
    }

    // The ratio of the blob's principal axes (square root of the ratio of its second moments' eigenvalues): 1 for a
    // disc, 2 for two equal discs side by side.
    private static double Elongation(byte[] blob, int boxWidth)
    {
        double count = 0, sumX = 0, sumY = 0, sumXX = 0, sumYY = 0, sumXY = 0;
        for (var i = 0; i < blob.Length; i++)
        {
            if (blob[i] != 0)
            {
                double x = i % boxWidth, y = i / boxWidth;
                count++;
                sumX += x;
                sumY += y;
                sumXX += x * x;
                sumYY += y * y;
                sumXY += x * y;
            }
        }

        var xx = (sumXX / count) - Math.Pow(sumX / count, 2);
        var yy = (sumYY / count) - Math.Pow(sumY / count, 2);
        var xy = (sumXY / count) - (sumX / count * (sumY / count));
        var spread = Math.Sqrt(Math.Pow((xx - yy) / 2, 2) + (xy * xy));
        var minor = ((xx + yy) / 2) - spread;
        return minor <= 0 ? double.PositiveInfinity : Math.Sqrt((((xx + yy) / 2) + spread) / minor);
    }

    // The area of the convex hull of the blob's pixel squares (their corners), by Andrew's monotone chain.
    private static double ConvexHullArea(byte[] blob, int boxWidth, int boxHeight)
    {
        var corners = new List<(int X, int Y)>();
        for (var y = 0; y < boxHeight; y++)
        {
            int first = -1, last = -1;
            for (var x = 0; x < boxWidth; x++)
            {
                if (blob[(y * boxWidth) + x] != 0)
                {
                    first = first < 0 ? x : first;
                    last = x;
                }
            }

            if (first >= 0)
            {
                corners.AddRange([(first, y), (first, y + 1), (last + 1, y), (last + 1, y + 1)]);
            }
        }

        corners.Sort();
        var hull = new List<(int X, int Y)>();
        foreach (var pass in new[] { corners, Enumerable.Reverse(corners).ToList() })
        {
            var start = hull.Count;
            foreach (var point in pass)
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], point) <= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }

                hull.Add(point);
            }

            hull.RemoveAt(hull.Count - 1);
        }

        long twice = 0;
        for (var i = 0; i < hull.Count; i++)
        {
            var (a, b) = (hull[i], hull[(i + 1) % hull.Count]);
            twice += ((long)a.X * b.Y) - ((long)b.X * a.Y);
        }

        return Math.Max(1, Math.Abs(twice) / 2.0);
    }

    private static long Cross((int X, int Y) o, (int X, int Y) a, (int X, int Y) b) =>
        ((long)(a.X - o.X) * (b.Y - o.Y)) - ((long)(a.Y - o.Y) * (b.X - o.X));

    // Two-pass chamfer distance to the nearest background pixel, in thirds of a pixel.
    private static int[] DistanceTransform(byte[] blob, int boxWidth, int boxHeight)
    {
        var distance = new int[blob.Length];
        for (var i = 0; i < blob.Length; i++)
        {
            distance[i] = blob[i] == 0 ? 0 : int.MaxValue / 2;
        }

        for (var y = 1; y < boxHeight - 1; y++)
        {
            for (var x = 1; x < boxWidth - 1; x++)
            {
                var i = (y * boxWidth) + x;
                distance[i] = Math.Min(distance[i], Math.Min(
                    Math.Min(distance[i - 1] + Axial, distance[i - boxWidth] + Axial),
                    Math.Min(distance[i - boxWidth - 1] + Diagonal, distance[i - boxWidth + 1] + Diagonal)));
            }
        }

        for (var y = boxHeight - 2; y >= 1; y--)
        {
            for (var x = boxWidth - 2; x >= 1; x--)
            {
                var i = (y * boxWidth) + x;
                distance[i] = Math.Min(distance[i], Math.Min(
                    Math.Min(distance[i + 1] + Axial, distance[i + boxWidth] + Axial),
                    Math.Min(distance[i + boxWidth + 1] + Diagonal, distance[i + boxWidth - 1] + Diagonal)));
            }
        }

        return distance;
    }

    // Watershed by flooding from the highest distance down (ties in index order, so it is deterministic). A pixel that
    // first joins two basins is their saddle: they stay apart only when both peaks are deep enough and the saddle is a
    // narrow neck against the smaller; otherwise the shallower basin floods into the deeper. Returns each pixel's basin.
    private static int[] Flood(byte[] blob, int[] distance, int boxWidth, double minimumPeak)
    {
        var order = Enumerable.Range(0, blob.Length).Where(i => blob[i] != 0)
            .OrderByDescending(i => distance[i]).ThenBy(i => i).ToArray();
        var parent = new int[blob.Length];
        var peak = new int[blob.Length];
        Array.Fill(parent, -1);
        foreach (var pixel in order)
        {
            parent[pixel] = pixel;
            peak[pixel] = distance[pixel];
            int x = pixel % boxWidth, y = pixel / boxWidth;
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    var neighbour = ((y + dy) * boxWidth) + x + dx;
                    if ((dx == 0 && dy == 0) || parent[neighbour] < 0)
                    {
                        continue;
                    }

                    var mine = Root(parent, pixel);
                    var theirs = Root(parent, neighbour);
                    if (mine == theirs)
                    {
                        continue;
                    }

                    // The pixel is still alone: it joins the basin it borders.
                    if (mine == pixel)
                    {
                        parent[pixel] = theirs;
                        continue;
                    }

                    var shallower = Math.Min(peak[mine], peak[theirs]);
                    var apart = shallower >= minimumPeak && distance[pixel] <= MaximumNeckRatio * shallower;
                    if (!apart)
                    {
                        var (deep, shallow) = peak[mine] >= peak[theirs] ? (mine, theirs) : (theirs, mine);
                        parent[shallow] = deep;
                    }
                }
            }
        }

        var basin = new int[blob.Length];
        foreach (var pixel in order)
        {
            basin[pixel] = Root(parent, pixel);
        }

        return basin;
    }

    private static int Root(int[] parent, int pixel)
    {
        while (parent[pixel] != pixel)
        {
            parent[pixel] = parent[parent[pixel]];
            pixel = parent[pixel];
        }

        return pixel;
    }
}

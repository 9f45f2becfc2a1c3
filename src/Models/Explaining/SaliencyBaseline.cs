namespace Pipeline.Models.Explaining;

/// <summary>
/// The input a saliency map is measured against: what "nothing there" looks like for that kind of input.
/// <para>
/// Images: each channel filled with the median of its border pixels. A droplet crop's border is the gel film around
/// the droplet, so the map says what about the droplet, compared with plain film, made the class. An all-black baseline
/// would credit nothing to dark structure: a droplet's Maltese cross is an extinction pattern, darker than the film,
/// and gradient × input is zero wherever the input is.
/// </para>
/// <para>Windows ([channels × samples]): all zeros, a sensor at rest after the task's scaling.</para>
/// </summary>
internal static class SaliencyBaseline
{
    public static float[] For(IReadOnlyList<int> shape, ReadOnlySpan<float> input)
    {
        var baseline = new float[input.Length];
        if (shape is not [var channels, var height, var width])
        {
            return baseline;
        }

        var plane = height * width;
        for (var c = 0; c < channels; c++)
        {
            var border = new List<float>((2 * width) + (2 * height));
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    if (y == 0 || y == height - 1 || x == 0 || x == width - 1)
                    {
                        border.Add(input[(c * plane) + (y * width) + x]);
                    }
                }
            }

            border.Sort();
            Array.Fill(baseline, border[border.Count / 2], c * plane, plane);
        }

        return baseline;
    }
}

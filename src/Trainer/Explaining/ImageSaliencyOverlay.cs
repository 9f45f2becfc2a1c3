using Pipeline.Models.Explaining;
using StbImageWriteSharp;

namespace Pipeline.Trainer.Explaining;

/// <summary>
/// An image input's saliency map as a PNG: on the left the input, contrast-stretched; on the right the same input dimmed,
/// with red where pixels pushed towards the explained class and blue where they pushed away, stronger the larger the
/// value against the map's largest. Each input pixel becomes a square block, so a 32 × 32 droplet crop shows at 256 × 256.
/// Channels are averaged for display.
/// </summary>
internal static class ImageSaliencyOverlay
{
    /// <summary>The panels are enlarged by whole pixels to at least this side.</summary>
    public const int MinimumPanelSide = 256;

    private const int Gap = 8;
    private const byte GapShade = 40;
    private const float DimmedBrightness = 0.55f;
    private static readonly (float R, float G, float B) Towards = (255, 40, 0);
    private static readonly (float R, float G, float B) Away = (0, 110, 255);

    /// <summary>The PNG bytes; <paramref name="input"/> is the [channels × height × width] input <paramref name="map"/> explains.</summary>
    public static byte[] Png(SaliencyMap map, float[] input)
    {
        if (map.Shape is not [var channels, var height, var width] || input.Length != map.Values.Length)
        {
            throw new ArgumentException($"an image overlay needs a [channels × height × width] map of the input's size; the map is [{string.Join(" × ", map.Shape)}] for {input.Length} values", nameof(map));
        }

        var plane = height * width;
        var shade = new float[plane];
        var saliency = new float[plane];
        for (var c = 0; c < channels; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                shade[i] += input[(c * plane) + i] / channels;
                saliency[i] += map.Values[(c * plane) + i];
            }
        }

        var (low, high) = (shade.Min(), shade.Max());
        var spread = high > low ? high - low : 1f;
        var largest = saliency.Max(Math.Abs);
        var scale = Math.Max(1, (MinimumPanelSide + Math.Max(width, height) - 1) / Math.Max(width, height));
        var (panelWidth, panelHeight) = (width * scale, height * scale);
        var imageWidth = (2 * panelWidth) + Gap;
        var pixels = new byte[imageWidth * panelHeight * 3];
        Array.Fill(pixels, GapShade);
        for (var y = 0; y < panelHeight; y++)
        {
            for (var x = 0; x < panelWidth; x++)
            {
                var source = ((y / scale) * width) + (x / scale);
                var gray = 255f * (shade[source] - low) / spread;
                Put(pixels, imageWidth, x, y, (gray, gray, gray));
                var weight = largest > 0 ? Math.Abs(saliency[source]) / largest : 0;
                var colour = saliency[source] >= 0 ? Towards : Away;
                var dimmed = gray * DimmedBrightness;
                Put(pixels, imageWidth, panelWidth + Gap + x, y,
                    (dimmed + (weight * (colour.R - dimmed)), dimmed + (weight * (colour.G - dimmed)), dimmed + (weight * (colour.B - dimmed))));
            }
        }

        using var output = new MemoryStream();
        new ImageWriter().WritePng(pixels, imageWidth, panelHeight, ColorComponents.RedGreenBlue, output);
        return output.ToArray();
    }

    private static void Put(byte[] pixels, int imageWidth, int x, int y, (float R, float G, float B) colour)
    {
        var at = ((y * imageWidth) + x) * 3;
        pixels[at] = ToByte(colour.R);
        pixels[at + 1] = ToByte(colour.G);
        pixels[at + 2] = ToByte(colour.B);
    }

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value), 0, 255);
}

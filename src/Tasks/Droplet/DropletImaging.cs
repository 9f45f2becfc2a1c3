using Pipeline.Protocol;

namespace Pipeline.Tasks.Droplet;

/// <summary>How a microscopy frame becomes image-model input; trainer and edge share it.</summary>
public static class DropletImaging
{
    /// <summary>Side of the square grayscale whole-frame input (image-cnn, and droplet models trained before per-droplet crops).</summary>
    public const int Side = 64;

    /// <summary>Grayscale, area-resampled to <see cref="Side"/>², scaled to 0..1: [1 × 64 × 64].</summary>
    public static float[] ToModelInput(MicroscopyFrame frame)
    {
        var luma = Luma(frame);
        var output = new float[Side * Side];
        Resample(luma, frame.Width, frame.Height, 0, 0, frame.Width, frame.Height, 0f, Side, output);
        return output;
    }

    /// <summary>The frame's luma (Rec. 601 for RGB), one float per pixel in 0..255; bad dimensions throw <see cref="ArgumentException"/>.</summary>
    internal static float[] Luma(MicroscopyFrame frame)
    {
        var bytesPerPixel = frame.Format.BytesPerPixel();
        if (frame.Width < 1 || frame.Height < 1 || (long)frame.Width * frame.Height * bytesPerPixel != frame.Pixels.Length)
        {
            throw new ArgumentException($"frame of {frame.Width}x{frame.Height} {frame.Format} needs {(long)frame.Width * frame.Height * bytesPerPixel} pixel bytes; has {frame.Pixels.Length}", nameof(frame));
        }

        var luma = new float[frame.Width * frame.Height];
        for (var i = 0; i < luma.Length; i++)
        {
            luma[i] = frame.Format == PixelFormat.Gray8
                ? frame.Pixels[i]
                : (0.299f * frame.Pixels[3 * i]) + (0.587f * frame.Pixels[(3 * i) + 1]) + (0.114f * frame.Pixels[(3 * i) + 2]);
        }

        return luma;
    }

    /// <summary>
    /// Area-resamples the region [left, left + regionWidth) × [top, top + regionHeight) of <paramref name="luma"/> to
    /// <paramref name="side"/>² values scaled to 0..1. Parts of the region outside the frame read as <paramref name="outside"/>,
    /// so a crop around a droplet at the frame's edge keeps the droplet centred instead of shifting it.
    /// </summary>
    internal static void Resample(ReadOnlySpan<float> luma, int width, int height, double left, double top, double regionWidth, double regionHeight, float outside, int side, Span<float> output)
    {
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                output[(y * side) + x] = AreaAverage(luma, width, height,
                    left + ((double)x * regionWidth / side), left + ((double)(x + 1) * regionWidth / side),
                    top + ((double)y * regionHeight / side), top + ((double)(y + 1) * regionHeight / side), outside) / 255f;
            }
        }
    }

    // Area resampling: each output pixel averages the source area it covers, weighting partly covered source
    // pixels by their covered fraction, so it both shrinks (no aliasing) and enlarges (nearest-like) correctly.
    private static float AreaAverage(ReadOnlySpan<float> luma, int width, int height, double x0, double x1, double y0, double y1, float outside)
    {
        double sum = 0, area = 0;
        for (var sy = (int)Math.Floor(y0); sy < (int)Math.Ceiling(y1); sy++)
        {
            var wy = Math.Min(y1, sy + 1) - Math.Max(y0, sy);
            for (var sx = (int)Math.Floor(x0); sx < (int)Math.Ceiling(x1); sx++)
            {
                var w = wy * (Math.Min(x1, sx + 1) - Math.Max(x0, sx));
                var inside = sx >= 0 && sx < width && sy >= 0 && sy < height;
                sum += w * (inside ? luma[(sy * width) + sx] : outside);
                area += w;
            }
        }

        return (float)(sum / area);
    }
}

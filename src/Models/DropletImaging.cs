using Pipeline.Protocol;

namespace Pipeline.Models;

/// <summary>How a microscopy frame becomes droplet-model input; trainer and edge share it.</summary>
public static class DropletImaging
{
    /// <summary>Side of the square grayscale model input.</summary>
    public const int Side = 64;

    /// <summary>Grayscale, area-resampled to <see cref="Side"/>², scaled to 0..1: [1 × 64 × 64].</summary>
    public static float[] ToModelInput(MicroscopyFrame frame)
    {
        var bytesPerPixel = frame.Format.BytesPerPixel();
        if (frame.Width < 1 || frame.Height < 1 || frame.Pixels.Length != frame.Width * frame.Height * bytesPerPixel)
        {
            throw new ArgumentException($"frame of {frame.Width}x{frame.Height} {frame.Format} needs {frame.Width * frame.Height * bytesPerPixel} pixel bytes; has {frame.Pixels.Length}", nameof(frame));
        }

        var luma = new float[frame.Width * frame.Height];
        for (var i = 0; i < luma.Length; i++)
        {
            luma[i] = frame.Format == PixelFormat.Gray8
                ? frame.Pixels[i]
                : (0.299f * frame.Pixels[3 * i]) + (0.587f * frame.Pixels[(3 * i) + 1]) + (0.114f * frame.Pixels[(3 * i) + 2]);
        }

        var output = new float[Side * Side];
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                output[(y * Side) + x] = AreaAverage(luma, frame.Width, frame.Height, x, y) / 255f;
            }
        }

        return output;
    }

    // Area resampling: each output pixel averages the source area it covers, weighting partly covered source
    // pixels by their covered fraction, so it both shrinks (no aliasing) and enlarges (nearest-like) correctly.
    private static float AreaAverage(float[] luma, int width, int height, int outX, int outY)
    {
        double x0 = (double)outX * width / Side, x1 = (double)(outX + 1) * width / Side;
        double y0 = (double)outY * height / Side, y1 = (double)(outY + 1) * height / Side;
        double sum = 0, area = 0;
        for (var sy = (int)Math.Floor(y0); sy < Math.Min(height, (int)Math.Ceiling(y1)); sy++)
        {
            var wy = Math.Min(y1, sy + 1) - Math.Max(y0, sy);
            for (var sx = (int)Math.Floor(x0); sx < Math.Min(width, (int)Math.Ceiling(x1)); sx++)
            {
                var w = wy * (Math.Min(x1, sx + 1) - Math.Max(x0, sx));
                sum += w * luma[(sy * width) + sx];
                area += w;
            }
        }

        return (float)(sum / area);
    }
}

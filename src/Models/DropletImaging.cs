using Pipeline.Protocol;

namespace Pipeline.Models;

// STUB: the trainer helper replaces every body in this file.
/// <summary>How a microscopy frame becomes droplet-model input; trainer and edge share it.</summary>
public static class DropletImaging
{
    /// <summary>Side of the square grayscale model input.</summary>
    public const int Side = 64;

    /// <summary>Grayscale, area-resampled to <see cref="Side"/>², scaled to 0..1: [1 × 64 × 64].</summary>
    public static float[] ToModelInput(MicroscopyFrame frame) => throw new NotImplementedException();
}

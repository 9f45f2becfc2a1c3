namespace Pipeline.Trainer.Dataset.Augmentations;

/// <summary>Shifts an image example by whole pixels, filling the uncovered border with zeros (the background of a centred object).</summary>
internal static class PixelShifts
{
    /// <summary>The largest shift in each direction; a small share of a 28–64 pixel image, so the object stays in view.</summary>
    public const int MaxShift = 2;

    /// <summary><paramref name="example"/> moved <paramref name="dx"/> pixels right and <paramref name="dy"/> down (negative: left, up).</summary>
    public static Example Shift(Example example, IReadOnlyList<int> inputShape, int dx, int dy)
    {
        if (dx == 0 && dy == 0)
        {
            return example;
        }

        var (height, width) = (inputShape[1], inputShape[2]);
        var plane = height * width;
        var shifted = new float[example.Input.Length];
        for (var c = 0; c < inputShape[0]; c++)
        {
            for (var y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
            {
                for (var x = Math.Max(0, dx); x < Math.Min(width, width + dx); x++)
                {
                    shifted[(c * plane) + (y * width) + x] = example.Input[(c * plane) + ((y - dy) * width) + x - dx];
                }
            }
        }

        return example with { Input = shifted };
    }
}

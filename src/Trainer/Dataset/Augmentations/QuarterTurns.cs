namespace Pipeline.Trainer.Dataset.Augmentations;

/// <summary>
/// Turns a square image example by a multiple of 90°. Why droplets ask for this and not flips: between crossed
/// polarisers a quarter turn of the whole scene maps the polariser pair onto itself, so the texture a VOC produces
/// (cross rotation included) stays the same texture; a mirror image would flip the sign of the cross rotation, which is
/// what tells some VOCs apart. A few hundred sessions of droplets are too few for the model not to learn their layouts;
/// four orientations of each make that harder.
/// </summary>
internal static class QuarterTurns
{
    /// <summary><paramref name="example"/> turned by <paramref name="quarterTurns"/> × 90° counter-clockwise (0 returns it as is).</summary>
    public static Example Turn(Example example, IReadOnlyList<int> inputShape, int quarterTurns)
    {
        var turns = ((quarterTurns % 4) + 4) % 4;
        if (turns == 0)
        {
            return example;
        }

        var side = inputShape[1];
        var plane = side * side;
        var turned = new float[example.Input.Length];
        for (var c = 0; c < inputShape[0]; c++)
        {
            for (var y = 0; y < side; y++)
            {
                for (var x = 0; x < side; x++)
                {
                    var (tx, ty) = turns switch
                    {
                        1 => (y, side - 1 - x),
                        2 => (side - 1 - x, side - 1 - y),
                        _ => (side - 1 - y, x),
                    };
                    turned[(c * plane) + (ty * side) + tx] = example.Input[(c * plane) + (y * side) + x];
                }
            }
        }

        return example with { Input = turned };
    }
}

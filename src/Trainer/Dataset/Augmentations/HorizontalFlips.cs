namespace Pipeline.Trainer.Dataset.Augmentations;

/// <summary>Mirrors an image example left to right: a garment or a photographed object stays what it is, a letter does not.</summary>
internal static class HorizontalFlips
{
    public static Example Flip(Example example, IReadOnlyList<int> inputShape)
    {
        var (height, width) = (inputShape[1], inputShape[2]);
        var flipped = new float[example.Input.Length];
        for (var row = 0; row < inputShape[0] * height; row++)
        {
            var start = row * width;
            for (var x = 0; x < width; x++)
            {
                flipped[start + x] = example.Input[start + width - 1 - x];
            }
        }

        return example with { Input = flipped };
    }
}

namespace Pipeline.Models;

/// <summary>Reading a class out of a model's per-class scores, the same way at the edge and in the trainer's evaluation.</summary>
public static class ClassScores
{
    /// <summary>The index of the highest score; the first of equal maxima, as torch's argmax picks.</summary>
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return best;
    }
}

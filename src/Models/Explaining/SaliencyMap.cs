namespace Pipeline.Models.Explaining;

/// <summary>
/// How much each input value moved the model's score for <see cref="ExplainedClass"/> (its logit), laid out as the input
/// ([channels × samples] or [channels × height × width], <see cref="Shape"/>): positive values pushed towards the class,
/// negative ones away from it. Summed over the input they approach the score's difference between the input and
/// <see cref="IntegratedGradients"/>' baseline. <see cref="Probabilities"/> are the model's answer for the input itself.
/// </summary>
public sealed record SaliencyMap(float[] Values, IReadOnlyList<int> Shape, int ExplainedClass, float[] Probabilities)
{
    /// <summary>The class the model predicts for the input: the highest of <see cref="Probabilities"/>.</summary>
    public int PredictedClass => ClassScores.ArgMax(Probabilities);

    /// <summary>Σ|value| over the values at whose flat index <paramref name="inRegion"/> holds, divided by Σ|value| overall (0 when every value is 0).</summary>
    public double ShareOfMagnitude(Func<int, bool> inRegion)
    {
        double inside = 0, total = 0;
        for (var i = 0; i < Values.Length; i++)
        {
            var magnitude = Math.Abs(Values[i]);
            total += magnitude;
            inside += inRegion(i) ? magnitude : 0;
        }

        return total > 0 ? inside / total : 0;
    }

    /// <summary>For a [channels × …] map: each channel's share of Σ|value|, in channel order.</summary>
    public double[] ChannelShares()
    {
        var perChannel = Values.Length / Shape[0];
        return [.. Enumerable.Range(0, Shape[0]).Select(c => ShareOfMagnitude(i => i / perChannel == c))];
    }
}

using Pipeline.Imaging;
using Pipeline.Models.Architecture;
using Pipeline.Models.Explaining;
using Pipeline.Protocol;
using Pipeline.Trainer.Explaining;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests.Explaining;

public sealed class IntegratedGradientsTests
{
    private static readonly float[] Auxiliary = [0.3f];

    [Fact]
    public void Explain_ManySteps_MapSumsToTheScoresChangeFromTheBaseline()
    {
        using var model = ModelCatalog.Create(ModelCatalog.DropletCnn, 2, seed: 5);
        var input = RegionTasks.Images(perClass: 1, seed: 4)[0].Input;

        var map = IntegratedGradients.Explain(model, input, 0.3f, explainedClass: 1, steps: 128);

        var change = Logit(model, input, 1) - Logit(model, SaliencyBaseline.For(model.InputShape, input), 1);
        Assert.True(Math.Abs(change) > 1e-4, $"the score hardly changes ({change}); pick another input");
        Assert.InRange(map.Values.Sum(), change - (0.05 * Math.Abs(change)), change + (0.05 * Math.Abs(change)));
        Assert.Equal(1, map.ExplainedClass);
        Assert.Equal(1f, map.Probabilities.Sum(), 3);
    }

    [Fact]
    public void Explain_NoClassGiven_ExplainsThePredictedOneAndLeavesParametersWithoutGradients()
    {
        using var model = ModelCatalog.Create(ModelCatalog.SwingCnn, 3, seed: 5);
        var input = RegionTasks.Windows(perClass: 1, seed: 4)[0].Input;

        var map = IntegratedGradients.Explain(model, input, 0f, steps: 4);

        Assert.Equal(map.PredictedClass, map.ExplainedClass);
        Assert.Equal(input.Length, map.Values.Length);
        Assert.All(map.Values, v => Assert.True(float.IsFinite(v)));
        Assert.All(model.parameters(), p => Assert.True(p.grad is null, "a parameter was given a gradient"));
    }

    [Fact]
    public void Explain_BadInputClassOrSteps_ThrowsNamingIt()
    {
        using var model = ModelCatalog.Create(ModelCatalog.DropletCnn, 2, seed: 5);
        var input = new float[32 * 32];

        Assert.Contains("takes 1024 input values", Assert.Throws<ArgumentException>(() => IntegratedGradients.Explain(model, new float[10], 0f)).Message, StringComparison.Ordinal);
        Assert.Contains("class index 2", Assert.Throws<ArgumentException>(() => IntegratedGradients.Explain(model, input, 0f, explainedClass: 2)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => IntegratedGradients.Explain(model, input, 0f, steps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => IntegratedGradients.Explain(model, input, 0f, steps: IntegratedGradients.MaxSteps + 1));
    }

    [Fact]
    public void ImageOverlay_PositiveAndNegativeSaliency_RedAndBlueOnTheRightPanel()
    {
        var values = new float[4 * 4];
        values[0] = 2f;
        values[15] = -1f;
        var map = new SaliencyMap(values, [1, 4, 4], 0, [0.9f, 0.1f]);

        var image = ImageFile.Decode(ImageSaliencyOverlay.Png(map, new float[16]), 4096);

        var panel = ImageSaliencyOverlay.MinimumPanelSide;
        Assert.Equal((2 * panel) + 8, image.Width);
        Assert.Equal(panel, image.Height);
        Assert.Equal(PixelFormat.Rgb24, image.Format);
        var right = panel + 8;
        var (r, g, b) = Pixel(image, right + 10, 10);
        Assert.True(r > 200 && b < 50, $"the strongest positive pixel is ({r}, {g}, {b}), not red");
        (r, g, b) = Pixel(image, right + panel - 10, panel - 10);
        Assert.True(b > r + 60, $"the negative pixel is ({r}, {g}, {b}), not blue");
        (r, g, b) = Pixel(image, right + 10, panel - 10);
        Assert.True(r == g && g == b, $"a pixel without saliency is ({r}, {g}, {b}), not gray");
    }

    private static (byte R, byte G, byte B) Pixel(DecodedImage image, int x, int y)
    {
        var at = ((y * image.Width) + x) * 3;
        return (image.Pixels[at], image.Pixels[at + 1], image.Pixels[at + 2]);
    }

    private static double Logit(BlockSequence model, float[] input, int target)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = tensor(input, [1, .. model.InputShape.Select(d => (long)d)]);
        var aux = tensor(Auxiliary, [1, 1]);
        var output = model.forward(x, aux);
        var score = output[0, target];
        return score.item<float>();
    }
}

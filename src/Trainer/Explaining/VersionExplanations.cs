using System.Globalization;
using Pipeline.Models.Architecture;
using Pipeline.Models.Explaining;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Reporting;

namespace Pipeline.Trainer.Explaining;

/// <summary>
/// A few saliency maps per class beside a stored version's charts: for each class, up to the asked number of its
/// held-out examples, spread over them, each explained for the class the model predicts, written as
/// saliency-&lt;class index&gt;-&lt;class&gt;-&lt;n&gt;.png and listed for the model card.
/// </summary>
internal static class VersionExplanations
{
    public const string FilePrefix = "saliency-";

    /// <summary>
    /// Points on each map's path: half of <see cref="IntegratedGradients.DefaultSteps"/>, so a map costs about one training
    /// minibatch of 16 examples; a round trains hundreds of minibatches, and a few maps per class stay a small part of it.
    /// </summary>
    public const int Steps = 16;

    /// <summary>Runs on the calling thread and leaves the model in eval mode (<see cref="IntegratedGradients"/>).</summary>
    public static IReadOnlyList<ModelCardExplanation> Write(string folder, string task, int version, BlockSequence model, IReadOnlyList<string> classes,
        IReadOnlyList<Example> heldOut, int perClass)
    {
        var channelNames = SaliencyPicture.ChannelNames(task, model.InputShape);
        var written = new List<ModelCardExplanation>();
        for (var c = 0; c < classes.Count; c++)
        {
            var ofClass = heldOut.Where(e => e.ClassIndex == c).ToArray();
            var count = Math.Min(perClass, ofClass.Length);
            for (var n = 0; n < count; n++)
            {
                var example = ofClass[n * ofClass.Length / count];
                var map = IntegratedGradients.Explain(model, example.Input, example.Auxiliary, steps: Steps);
                var predicted = classes[map.PredictedClass];
                var file = string.Create(CultureInfo.InvariantCulture, $"{FilePrefix}{c}-{SaliencyPicture.FileNamePart(classes[c])}-{n + 1}.png");
                var title = string.Create(CultureInfo.InvariantCulture,
                    $"{task} v{version}: a held-out {classes[c]}, predicted {predicted} ({map.Probabilities[map.PredictedClass]:P0}); saliency for {predicted}");
                SaliencyPicture.Write(Path.Combine(folder, file), map, example.Input, channelNames, title);
                written.Add(new ModelCardExplanation(file, classes[c], predicted, map.Probabilities[map.PredictedClass], predicted));
            }
        }

        return written;
    }
}

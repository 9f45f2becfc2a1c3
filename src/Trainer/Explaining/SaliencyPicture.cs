using System.Text;
using Pipeline.Models.Explaining;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Explaining;

/// <summary>The PNG a saliency map is shown as: an overlay for an image input, a channel-by-time heat map for a window.</summary>
public static class SaliencyPicture
{
    /// <summary>
    /// Writes <paramref name="map"/> of <paramref name="input"/> to <paramref name="path"/>; <paramref name="channelNames"/>
    /// label a window's rows (<see cref="ChannelNames"/>), <paramref name="title"/> heads a heat map.
    /// </summary>
    public static void Write(string path, SaliencyMap map, float[] input, IReadOnlyList<string> channelNames, string title)
    {
        if (map.Shape.Count == 3)
        {
            File.WriteAllBytes(path, ImageSaliencyOverlay.Png(map, input));
        }
        else
        {
            WindowSaliencyHeatMap.Write(path, map, channelNames, title);
        }
    }

    /// <summary>The rows of a window heat map: the motion channels for swing windows, else "channel 1" onwards.</summary>
    public static IReadOnlyList<string> ChannelNames(string task, IReadOnlyList<int> inputShape) =>
        task == LearningTasks.Swing && inputShape is [MotionChannels.Count, _]
            ? MotionChannels.Names
            : [.. Enumerable.Range(1, inputShape.Count > 0 ? inputShape[0] : 0).Select(c => FormattableString.Invariant($"channel {c}"))];

    /// <summary><paramref name="text"/> as part of a file name: letters, digits, '-' and '_' kept, anything else '_', at most 40 characters.</summary>
    public static string FileNamePart(string text)
    {
        var part = new StringBuilder(Math.Min(text.Length, 40));
        foreach (var ch in text.Take(40))
        {
            part.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_');
        }

        return part.Length > 0 ? part.ToString() : "_";
    }
}

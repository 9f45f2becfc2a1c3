namespace Pipeline.Protocol;

/// <summary>The learning tasks the system knows; a task names the data a model is trained on and the devices that run it.</summary>
public static class LearningTasks
{
    /// <summary>Golf-swing classification from 8-channel motion windows (player × swing shape).</summary>
    public const string Swing = "swing";

    /// <summary>VOC classification and concentration regression from polarised-microscopy frames.</summary>
    public const string Droplet = "droplet";

    public static readonly IReadOnlyList<string> All = [Swing, Droplet];

    public static bool IsKnown(string? task) => task is Swing or Droplet;
}

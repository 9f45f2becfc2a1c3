namespace Pipeline.Protocol;

/// <summary>
/// The names of the built-in learning tasks; a task names the data a model is trained on and the devices that run it. Which
/// tasks a process knows is its task registry (Pipeline.Tasks), where each is registered, a host's own included.
/// </summary>
public static class LearningTasks
{
    /// <summary>Golf-swing classification from 8-channel motion windows (player × swing shape).</summary>
    public const string Swing = "swing";

    /// <summary>VOC classification and concentration regression from polarised-microscopy frames.</summary>
    public const string Droplet = "droplet";
}

namespace Pipeline.Tasks.Droplet;

/// <summary>
/// A droplet found in a frame: centre and diameter in the frame's pixels (x to the right, y down from the top-left
/// corner). <see cref="WholeFrame"/> marks the fallback that stands for the whole frame when no droplet was found.
/// </summary>
public sealed record DetectedDroplet(float CentreX, float CentreY, float Diameter, bool WholeFrame = false);

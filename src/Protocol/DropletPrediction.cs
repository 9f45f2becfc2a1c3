namespace Pipeline.Protocol;

/// <summary>
/// What a droplet model said about one droplet of a frame: where the droplet is (centre and diameter in the frame's
/// pixels, x to the right and y down from the top-left corner) and its own class and softmax confidence.
/// </summary>
public sealed record DropletPrediction(float CentreX, float CentreY, float Diameter, string PredictedClass, float Confidence);

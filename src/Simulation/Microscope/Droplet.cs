namespace Pipeline.Simulation.Microscope;

/// <summary>
/// One liquid-crystal droplet in the gel film: centre and radius in pixels, the axis its bipolar texture will
/// align to, its resting interference ring count (thicker droplets show more rings) and how strongly it responds.
/// </summary>
public sealed record Droplet(double CentreX, double CentreY, double Radius, double BipolarAxis, double RestingRings, double Sensitivity);

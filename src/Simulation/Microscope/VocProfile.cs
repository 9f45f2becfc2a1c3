namespace Pipeline.Simulation.Microscope;

/// <summary>
/// How a droplet's texture answers one volatile organic compound: <see cref="Rate"/> is how fast the radial
/// texture turns bipolar (per second per % v/v), <see cref="CrossRotationDegrees"/> how far the Maltese cross
/// turns at full response, <see cref="RingDelta"/> how many interference rings appear (or vanish) as the
/// birefringence changes, and <see cref="Brightness"/> the transmitted intensity at full response relative to rest.
/// </summary>
public sealed record VocProfile(string Name, double Rate, double CrossRotationDegrees, double RingDelta, double Brightness);

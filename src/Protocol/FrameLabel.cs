namespace Pipeline.Protocol;

/// <summary>The ground truth a frame may carry: which VOC the droplets are exposed to, at what concentration (% v/v).</summary>
public sealed record FrameLabel(string Voc, float ConcentrationPercent);

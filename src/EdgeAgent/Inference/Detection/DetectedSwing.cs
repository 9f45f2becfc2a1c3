using Pipeline.Tasks.Swing;
namespace Pipeline.EdgeAgent.Inference.Detection;

/// <summary>
/// One swing found in the continuous motion stream. Sample numbers count from the first sample the detector was
/// fed; <see cref="Window"/> is the <see cref="Pipeline.Models.SwingWindowing.WindowSamples"/>-long, sample-major
/// 8-channel window starting at <see cref="WindowStartSample"/>, centred on the peak as the trainer centres it.
/// </summary>
internal sealed record DetectedSwing(long PeakSample, float PeakGyroDegreesPerSecond, long WindowStartSample, float[] Window);

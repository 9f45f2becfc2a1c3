using Pipeline.EdgeAgent.Replay;
using Pipeline.EdgeAgent.Streaming;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Devices.Microscope;

/// <summary>
/// The microscope's part of streaming (<see cref="DeviceStreamer{TSession}"/>): one frame stream, each exposure's frames
/// taken Agent:FrameInterval apart in simulated time, each frame written when it is taken and offered to
/// inference whole (the droplet task segments it).
/// </summary>
internal sealed class FrameStreamer(DeviceContext device, IEnumerable<FrameExposure> exposures) : DeviceStreamer<FrameExposure>(device, exposures)
{
    protected override string Describe() => $"{Device.Options.FrameSize}x{Device.Options.FrameSize} droplet frames (or a recording's own size)";

    protected override long OffsetMicros(long frame) => (long)Math.Round(frame * Device.Options.FrameInterval.TotalSeconds * 1_000_000d);

    protected override async Task RecordSessionAsync(FrameExposure exposure, CancellationToken cancellationToken)
    {
        for (var k = 0; k < exposure.FrameCount; k++)
        {
            var index = k;
            var frame = await RecordAsync(1, waitTicks: 0, stamp =>
            {
                var recorded = exposure.FrameAt(index);
                return new MicroscopyFrame(Device.Options.DeviceId, stamp.StreamId, stamp.Sequence, stamp.TimestampMicros, recorded.Width, recorded.Height,
                    recorded.Format, recorded.Label, exposure.DegradationLevel, recorded.Pixels);
            }, MicroscopyFrameCodec.Encode, cancellationToken);
            Device.Telemetry.FrameRecorded();
            Offer(frame.TimestampMicros, frame, exposure.Label.Name);
        }
    }

    protected override SessionLabel LabelOf(FrameExposure exposure, SessionLabel label) => label with { Voc = exposure.Label };
}

using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks.Inference;

namespace Pipeline.Tasks.Droplet;

/// <summary>
/// VOC classification and concentration regression from polarised-microscopy frames: one example per droplet
/// (<see cref="DropletSegmenter"/>), each labelled with its session's VOC and concentration, since every droplet of a
/// session is exposed to the same vapour; the droplets of one frame answer together. The frame's degradation level is
/// the auxiliary input.
/// </summary>
internal sealed class DropletTask : LearningTask<MicroscopyFrame, IReadOnlyList<MicroscopyFrame>>
{
    public override string Name => LearningTasks.Droplet;

    public override string Stream => Topics.StreamName(TelemetryStream.Frames);

    public override string Architecture => "droplet-cnn";

    public override IReadOnlyList<int> InputShape { get; } = [1, DropletSegmenter.CropSide, DropletSegmenter.CropSide];

    /// <summary>A droplet's VOC does not depend on how the frame is turned: the texture a VOC produces (cross rotation included) stays the same.</summary>
    public override Augmentation Augmentation => Augmentation.QuarterTurns;

    protected override DecodeResult<MicroscopyFrame> DecodeItem(ReadOnlySpan<byte> payload) => MicroscopyFrameCodec.Decode(payload);

    protected override string DeviceOf(MicroscopyFrame frame) => frame.DeviceId;

    protected override IReadOnlyList<(long Micros, string Field)> TimestampsOf(MicroscopyFrame frame) => [(frame.TimestampMicros, "timestamp_us")];

    protected override ValueTask<int> WriteAsync(ITelemetryStore store, IReadOnlyList<MicroscopyFrame> items, CancellationToken cancellationToken) =>
        store.WriteFramesAsync(items, cancellationToken);

    protected override ValueTask<IReadOnlyList<MicroscopyFrame>> ReadAsync(ITelemetryStore store, SessionLabel label, CancellationToken cancellationToken) =>
        store.ReadFramesAsync(label.DeviceId, label.StartMicros, label.EndMicros, cancellationToken);

    public override float Target(SessionLabel label) => label.Voc?.ConcentrationPercent ?? 0f;

    protected override IEnumerable<TaskExample> Cut(SessionLabel label, IReadOnlyList<MicroscopyFrame> frames, Action<string> skip)
    {
        var target = Target(label);
        foreach (var frame in frames)
        {
            IReadOnlyList<DropletCrop> crops;
            try
            {
                crops = DropletSegmenter.Crop(frame);
            }
            catch (ArgumentException e)
            {
                skip($"{label.DeviceId}/{label.SessionId}: frame {frame.Sequence} refused: {e.Message}");
                continue;
            }

            // A frame where no droplet is found gives one whole-frame example (DropletSegmenter).
            var group = frame.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var crop in crops)
            {
                yield return new TaskExample(crop.Input, frame.DegradationLevel ?? 0f, target, group);
            }
        }
    }

    public override ITaskInference Inference { get; } = new DropletInference();

    public override TaskInput SmokeInput()
    {
        var frame = SmokeInputs.DropletFrame;
        return new(DropletSegmenter.Crop(frame)[0].Input, frame.DegradationLevel ?? 0f);
    }
}

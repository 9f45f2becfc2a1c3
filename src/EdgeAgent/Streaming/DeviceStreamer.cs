using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Devices;
using Pipeline.EdgeAgent.Inference;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// What streaming a device is, whatever its kind: its sessions one after another (from its simulator, or from a
/// recording, which ends the stream when it ends: <see cref="SessionSource{T}"/>), recorded as one data stream on the
/// task's topic (sequence +1 per message, continued across restarts from the outbox's checkpoint), each message written
/// to the outbox once the device has recorded it in simulated time, with the checkpoint after it, and a session label
/// when each session ends; while the outbox's disk is full the device waits (nothing recorded is dropped), then catches
/// up. The outbox publisher sends them on. Time is counted in the stream's ticks (motion samples, frames) from this
/// run's start. The kind says what a session is recorded as, what it offers to inference, and what its label says.
/// </summary>
internal abstract class DeviceStreamer<TSession>(DeviceContext device, IEnumerable<TSession> sessions) : IDeviceStreamer
    where TSession : class
{
    private StreamPosition? _position;
    private InferenceLoop? _inference;
    private string _dataTopic = "";
    private long _session;

    protected DeviceContext Device => device;

    /// <summary>Ticks recorded so far in this run: where the next message starts.</summary>
    protected long Tick { get; private set; }

    /// <summary>What the device streams, for the log, e.g. "golf swings at 500 Hz".</summary>
    protected abstract string Describe();

    /// <summary>Microseconds from this run's first tick to tick <paramref name="tick"/>.</summary>
    protected abstract long OffsetMicros(long tick);

    /// <summary>Records one session: its messages (<see cref="RecordAsync{T}"/>), and what is offered to inference (<see cref="Offer"/>).</summary>
    protected abstract Task RecordSessionAsync(TSession session, CancellationToken cancellationToken);

    /// <summary>The session's label: <paramref name="label"/> (device, session, task and span) with what the kind knows of the session.</summary>
    protected abstract SessionLabel LabelOf(TSession session, SessionLabel label);

    /// <summary>Called when the stream ends by itself (not on cancellation); what it returns is added to the closing log line.</summary>
    protected virtual string EndOfStream() => "";

    public async Task RunAsync(InferenceLoop inference, CancellationToken cancellationToken)
    {
        var options = device.Options;
        using var source = new SessionSource<TSession>(sessions, options.DeviceId, device.Logger);
        var position = _position = new StreamPosition(device.Outbox.Checkpoint, device.Clock);
        _inference = inference;
        _dataTopic = Topics.Telemetry(options.Site, options.DeviceId, device.Task.Stream);
        var labelTopic = Topics.Labels(options.Site, options.DeviceId);
        device.Logger.LogInformation("{Device}: streaming {What}, stream {Stream:x8} ({How} at sequence {Sequence}, session {Session}), speed x{Speed}",
            options.DeviceId, Describe(), position.StreamId, position.Resumed ? "resumed" : "new", position.NextSequence, position.FirstSession, device.Clock.SpeedFactor);

        for (_session = position.FirstSession; options.MaxSessions == 0 || _session < position.FirstSession + options.MaxSessions; _session++)
        {
            if (source.Next() is not { } session)
            {
                break;
            }

            var start = Tick;
            await RecordSessionAsync(session, cancellationToken);
            var label = LabelOf(session, new SessionLabel(options.DeviceId, $"{position.StreamId:x8}-{_session}", device.Task.Name, TimestampOf(start), TimestampOf(Tick)));
            await device.Outbox.AppendAsync(labelTopic, ControlMessageCodec.Encode(label), position.CheckpointAfter(_session + 1, TimestampOf(Tick)), endsSession: true, cancellationToken);
        }

        device.Logger.LogInformation("{Device}: streamed {Sessions} sessions{Summary}; streaming stops", options.DeviceId, _session - position.FirstSession, EndOfStream());
    }

    /// <summary>The timestamp of tick <paramref name="tick"/> on this run's time base.</summary>
    protected long TimestampOf(long tick) => Position.BaseMicros + OffsetMicros(tick);

    /// <summary>
    /// Records one message of <paramref name="ticks"/> ticks starting at <see cref="Tick"/>: waits until the device has
    /// recorded its first <paramref name="waitTicks"/> ticks (all of a batch's samples; none of a frame, taken at its
    /// start), makes it (<paramref name="make"/>) with the stream's next sequence number and its first tick's timestamp,
    /// and appends it to the outbox with the checkpoint after it.
    /// </summary>
    protected async Task<T> RecordAsync<T>(int ticks, int waitTicks, Func<MessageStamp, T> make, Func<T, byte[]> encode, CancellationToken cancellationToken)
    {
        // A device behind its simulated clock catches up without waiting, and an append waits only for a full disk:
        // neither would see a stop, so a device catching up would never stop. It is looked for here, once a message.
        cancellationToken.ThrowIfCancellationRequested();
        var position = Position;
        await position.WaitUntilAsync(TimestampOf(Tick + waitTicks), cancellationToken);
        var message = make(new MessageStamp(position.StreamId, position.NextSequence++, TimestampOf(Tick)));
        Tick += ticks;
        await device.Outbox.AppendAsync(_dataTopic, encode(message), position.CheckpointAfter(_session, TimestampOf(Tick)), endsSession: false, cancellationToken);
        return message;
    }

    /// <summary>Offers <paramref name="recorded"/> to inference, in the form the task's inference prepares; never waits.</summary>
    protected void Offer(long timestampMicros, object recorded, string? trueClass) =>
        (_inference ?? throw new InvalidOperationException("offered before streaming started")).Offer(new InferenceRequest(timestampMicros, recorded, trueClass));

    private StreamPosition Position => _position ?? throw new InvalidOperationException("the stream has not started");
}

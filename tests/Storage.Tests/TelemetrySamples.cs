using Pipeline.Protocol;

namespace Pipeline.Storage.Tests;

/// <summary>Deterministic telemetry for store tests: every value encodes where it came from, so mix-ups show.</summary>
internal static class TelemetrySamples
{
    public const long T0 = 1_700_000_000_000_000;
    public const float RateHz = 1000f;
    public const long SampleMicros = 1000;

    public static MotionBatch Motion(string device, ulong sequence, long firstMicros, int samples = 4, uint stream = 1)
    {
        var values = new float[samples * MotionChannels.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(sequence * 1000 + (ulong)i) / 8f;
        }

        return new MotionBatch(device, stream, sequence, firstMicros, RateHz, values);
    }

    public static MicroscopyFrame Frame(string device, ulong sequence, long micros, byte seed, FrameLabel? label = null, float? degradation = null)
    {
        var pixels = new byte[6 * 4];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(seed + i);
        }

        return new MicroscopyFrame(device, 7, sequence, micros, 6, 4, PixelFormat.Gray8, label, degradation, pixels);
    }

    public const string Gait = "gait";

    /// <summary>A record of a task-defined kind whose payload bytes spell out its identity, so a payload returned for the wrong record shows.</summary>
    public static TelemetryRecord Record(string device, ulong sequence, long micros, string kind = Gait, uint stream = 3, int bytes = 0)
    {
        var identity = System.Text.Encoding.ASCII.GetBytes($"{kind}/{device}/{stream}/{sequence}@{micros}");
        var payload = bytes == 0 ? identity : new byte[bytes];
        if (bytes != 0)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] = identity[i % identity.Length];
            }
        }

        return new TelemetryRecord(kind, device, stream, sequence, micros, payload);
    }

    public static SessionLabel SwingLabel(string device, string session, long start, string player = "ana") =>
        new(device, session, LearningTasks.Swing, start, start + 1_000_000, new SwingLabel(player, "slice"), null);

    public static SessionLabel DropletLabel(string device, string session, long start) =>
        new(device, session, LearningTasks.Droplet, start, start + 1_000_000, null, new VocLabel("acetone", 2.5f));
}

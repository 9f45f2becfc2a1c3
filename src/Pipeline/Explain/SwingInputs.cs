using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Replay;
using Pipeline.Protocol;
using Pipeline.Simulation.Golf;
using Pipeline.Tasks.Swing;
using Pipeline.Trainer.UserData;

namespace Pipeline.Runner.Explain;

/// <summary>
/// Swing windows to explain, from a CSV file of either kind a user has: a club recording (the replay format,
/// `timestamp_us|sample,strain1,…,gyro_z,session,player,shape`, docs/DEVICES.md), each session cut where the trainer
/// cuts it (<see cref="SwingWindowing.FindWindowStart"/>) and labelled player:shape; or a CSV of windows
/// (`window,label,…`, docs/TRAINING.md, as `pipeline simulate swings` writes), whose eight channels in wire order and
/// <see cref="SwingWindowing.WindowSamples"/> samples per window are taken as they are. Both hold the sensors' own units.
/// </summary>
internal static class SwingInputs
{
    /// <exception cref="UserDataFormatException">The file is missing, unreadable, or not one of the two kinds.</exception>
    public static IEnumerable<ExplainedInput> Read(string path, Action<string> skip)
    {
        if (!File.Exists(path))
        {
            throw new UserDataFormatException(path, null, Directory.Exists(path)
                ? "is a folder; swing models explain a CSV file (a club recording or windows)"
                : "no such file");
        }

        return FirstField(path).Equals("window", StringComparison.OrdinalIgnoreCase) ? Windows(path) : Recording(path, skip);
    }

    private static IEnumerable<ExplainedInput> Windows(string path)
    {
        var data = LabelledWindowCsvReader.Read(path, minimumLabels: 1);
        if (data.InputShape is not [MotionChannels.Count, SwingWindowing.WindowSamples])
        {
            throw new UserDataFormatException(path, null,
                $"windows of {data.InputShape[0]} channels × {data.InputShape[1]} samples; swing models take the {MotionChannels.Count} channels "
                + $"({string.Join(", ", MotionChannels.Names)}) × {SwingWindowing.WindowSamples} samples");
        }

        foreach (var example in data.Examples)
        {
            // The reader keeps channel after channel; the windowing takes sample after sample.
            var samples = new float[example.Input.Length];
            for (var c = 0; c < MotionChannels.Count; c++)
            {
                for (var i = 0; i < SwingWindowing.WindowSamples; i++)
                {
                    samples[(i * MotionChannels.Count) + c] = example.Input[(c * SwingWindowing.WindowSamples) + i];
                }
            }

            yield return new ExplainedInput($"window-{example.SessionKey}", $"{path}: window {example.SessionKey}", SwingWindowing.ToModelInput(samples), 0f, data.Classes[example.ClassIndex]);
        }
    }

    private static IEnumerable<ExplainedInput> Recording(string path, Action<string> skip)
    {
        var reader = new MotionRecordingReader(path, GolfClubSimulator.DefaultSampleRateHz, NullLogger.Instance);
        var number = 0;
        using var sessions = reader.ReadSessions().GetEnumerator();
        while (true)
        {
            try
            {
                if (!sessions.MoveNext())
                {
                    break;
                }
            }
            catch (ReplayFileException e)
            {
                throw new UserDataFormatException(path, e.Message, e);
            }

            var session = sessions.Current;
            number++;
            var start = SwingWindowing.FindWindowStart(session.Samples);
            if (start < 0)
            {
                skip($"{path}: session {number} ({session.ClassName}, {session.SampleCount} samples) holds no swing window");
                continue;
            }

            var window = session.Samples.AsSpan(start * MotionChannels.Count, SwingWindowing.WindowSamples * MotionChannels.Count);
            yield return new ExplainedInput($"session{number}", $"{path}: session {number}, window from sample {start}", SwingWindowing.ToModelInput(window), 0f, session.ClassName);
        }

        foreach (var problem in reader.Problems.Kept)
        {
            skip(problem);
        }
    }

    private static string FirstField(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    return line.TrimStart('\uFEFF').Split(',')[0].Trim();
                }
            }

            return "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserDataFormatException(path, "cannot be read", e);
        }
    }
}

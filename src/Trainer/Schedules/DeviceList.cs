using static TorchSharp.torch;

namespace Pipeline.Trainer.Schedules;

/// <summary>Parses a --devices list such as "cpu,cpu" or "cuda:0,cuda:1" into one device per pipeline stage.</summary>
public static class DeviceList
{
    public static bool TryParse(string text, out IReadOnlyList<Device> devices, out string? error)
    {
        devices = [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            error = $"\"{text}\" must name two devices, one per pipeline stage, e.g. \"cpu,cpu\"";
            return false;
        }

        var parsed = new List<Device>();
        foreach (var part in parts)
        {
            if (part == "cpu")
            {
                parsed.Add(CPU);
                continue;
            }

            if (part.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(part.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                parsed.Add(new Device(TorchSharp.DeviceType.CUDA, index));
                continue;
            }

            error = $"device \"{part}\" is not \"cpu\" or \"cuda:N\"";
            return false;
        }

        devices = parsed;
        error = null;
        return true;
    }
}

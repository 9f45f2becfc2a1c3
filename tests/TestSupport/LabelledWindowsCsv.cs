using System.Globalization;
using System.Text;

namespace Pipeline.TestSupport;

/// <summary>User data for <c>pipeline train</c> in its CSV form, as a user's recording would give it.</summary>
public static class LabelledWindowsCsv
{
    /// <summary><paramref name="windows"/> windows, <paramref name="samples"/> long, whose class sets the frequency of a wave on one channel, with a little noise.</summary>
    public static string Create(int windows, int samples, int classes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("window,label,accel,gyro\n");
        for (var w = 0; w < windows; w++)
        {
            var c = w % classes;
            for (var i = 0; i < samples; i++)
            {
                var signal = Math.Sin(i * (c + 1) * 0.3) + ((random.NextDouble() - 0.5) * 0.2);
                text.Append(CultureInfo.InvariantCulture, $"w{w},class-{c},{signal:F4},{random.NextDouble() * 500:F2}\n");
            }
        }

        return text.ToString();
    }
}

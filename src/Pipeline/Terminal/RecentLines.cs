using System.Text;

namespace Pipeline.Runner.Terminal;

/// <summary>
/// A writer that keeps the last <see cref="Capacity"/> lines written to it, for a live display to show under its
/// table, and hands each line to <paramref name="copy"/> (the run's log file) so none is lost.
/// </summary>
internal sealed class RecentLines(Action<string> copy) : TextWriter
{
    public const int Capacity = 6;

    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public override void Write(char value)
    {
        lock (_lines)
        {
            if (value == '\r')
            {
                return;
            }

            if (value != '\n')
            {
                _line.Append(value);
                return;
            }

            var line = _line.ToString();
            _line.Clear();
            _lines.Enqueue(line);
            if (_lines.Count > Capacity)
            {
                _lines.Dequeue();
            }

            copy(line);
        }
    }
}

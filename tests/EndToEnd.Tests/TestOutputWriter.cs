using System.Text;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>Sends the runner's progress lines to the test output, so a failing run explains itself.</summary>
internal sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value == '\n')
            {
                Flush(_line);
                return;
            }

            _line.Append(value);
        }
    }

    private void Flush(StringBuilder line)
    {
        try
        {
            output.WriteLine(line.ToString());
        }
        catch (InvalidOperationException)
        {
            // The test has already finished; its output is closed.
        }

        line.Clear();
    }
}

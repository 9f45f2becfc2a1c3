using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Pipeline.TestSupport;

/// <summary>One category's logger writing to an xunit test output.</summary>
public sealed class TestOutputLogger(ITestOutputHelper output, string category, LogLevel minimum) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}";
        if (exception is not null)
        {
            line += Environment.NewLine + exception;
        }

        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // Background components may log after their test finished; xunit then has no test to write to.
        }
    }
}

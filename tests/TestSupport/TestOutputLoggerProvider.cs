using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Pipeline.TestSupport;

/// <summary>Sends log lines to the running test's output, so a failing test shows what the component said.</summary>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output, LogLevel minimum = LogLevel.Debug) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, categoryName, minimum);

    public void Dispose()
    {
    }

    /// <summary>A logger factory writing to <paramref name="output"/>, for components built by hand in a test.</summary>
    public static ILoggerFactory CreateFactory(ITestOutputHelper output, LogLevel minimum = LogLevel.Debug) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(minimum).AddProvider(new TestOutputLoggerProvider(output, minimum)));
}

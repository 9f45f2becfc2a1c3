using Microsoft.Extensions.Logging;

namespace Pipeline.TestSupport;

/// <summary>Hands every category the same <see cref="RecordingLogger"/>, so a test can check what a whole component told its operator.</summary>
public sealed class RecordingLoggerProvider(RecordingLogger logger) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => logger;

    public void Dispose()
    {
    }
}

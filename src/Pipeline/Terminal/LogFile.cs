using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Pipeline.Runner.Terminal;

/// <summary>
/// Log lines written to a file instead of the console, while a live display owns the terminal: one line per entry,
/// "time level category: message", flushed as written so the file can be followed (tail -f).
/// </summary>
internal sealed class LogFile(string path) : ILoggerProvider
{
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    private readonly Lock _lock = new();

    public string Path => path;

    public ILogger CreateLogger(string categoryName) => new Writer(this, categoryName);

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {category}: {message}")
            + (exception is null ? "" : Environment.NewLine + exception);
        lock (_lock)
        {
            try
            {
                _writer.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // A late entry from a component still stopping after the run closed its log.
            }
        }
    }

    private sealed class Writer(LogFile file, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            file.Write(category, logLevel, formatter(state, exception), exception);
    }
}

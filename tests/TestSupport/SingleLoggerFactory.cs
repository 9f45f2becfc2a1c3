using Microsoft.Extensions.Logging;

namespace Pipeline.TestSupport;

/// <summary>Hands every category the one logger it was given, for a test helper that takes a logger but creates connections through a factory.</summary>
public sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => logger;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("every category already writes to the one logger this factory was given");

    public void Dispose()
    {
    }
}

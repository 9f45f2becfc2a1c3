namespace Pipeline.Storage;

/// <summary>
/// A store refused an item because it breaks the store's input rules (an id that is no identifier, samples or pixels that
/// do not add up, a value the backend cannot hold). The item is bad, not the store: the caller quarantines it and keeps
/// going. Distinct from <see cref="ArgumentException"/>, which stays what it is everywhere else, a bug in the caller.
/// </summary>
public sealed class InvalidTelemetryException : Exception
{
    public InvalidTelemetryException()
    {
    }

    public InvalidTelemetryException(string message)
        : base(message)
    {
    }

    public InvalidTelemetryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

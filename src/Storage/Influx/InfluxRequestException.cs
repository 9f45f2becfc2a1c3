using System.Net;

namespace Pipeline.Storage.Influx;

/// <summary>InfluxDB refused or failed a request: the message names the operation, the HTTP status and the server's own error text.</summary>
internal sealed class InfluxRequestException : Exception
{
    public InfluxRequestException()
    {
    }

    public InfluxRequestException(string message)
        : base(message)
    {
    }

    public InfluxRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InfluxRequestException(string message, HttpStatusCode? statusCode, string? serverError, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ServerError = serverError;
    }

    /// <summary>The HTTP status, or null when no answer came (unreachable, timed out).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The "error" text of the server's JSON answer, when it gave one.</summary>
    public string? ServerError { get; }

    /// <summary>How long the server asked the caller to wait before trying again (its Retry-After header), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Whether trying again later may succeed: no answer, a server-side (5xx) failure, or 429 (too many requests). Another 4xx means the request itself is wrong.</summary>
    public bool IsTransient => StatusCode is null or HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;
}

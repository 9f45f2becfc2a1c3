namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// The broker cannot take this now but may later: it is out of reach or refused the connection, or it refused a
/// publish with "quota exceeded" (a subscriber's queue is full, or the sender is over its rate). The connection's
/// <see cref="BrokerRetryPipeline"/> tries again; <see cref="Problem"/> is what the operator is told the first time.
/// </summary>
internal sealed class BrokerNotReadyException : Exception
{
    public BrokerNotReadyException(string problem, string why) : base($"{problem} ({why})")
    {
        Problem = problem;
        Why = why;
    }

    public string Problem { get; }

    public string Why { get; }
}

namespace Pipeline.TestSupport;

/// <summary>
/// A server refused to start because its port was taken: a free port is found by binding and releasing it, and another
/// process may bind it before the server does. Fixtures start the server again on another port.
/// </summary>
public sealed class ServerPortTakenException(string message) : InvalidOperationException(message);

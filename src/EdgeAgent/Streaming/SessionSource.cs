using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Replay;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// Hands a streamer its sessions one at a time. A recording that turns out unreadable (<see cref="ReplayFileException"/>)
/// ends the stream with the reason logged: the agent stays up, online and able to run models, and nothing it already
/// recorded is lost.
/// </summary>
internal sealed class SessionSource<T>(IEnumerable<T> sessions, string deviceId, ILogger logger) : IDisposable
    where T : class
{
    private readonly IEnumerator<T> _sessions = sessions.GetEnumerator();
    private bool _ended;

    /// <summary>The next session; null once the sessions end or the recording fails.</summary>
    public T? Next()
    {
        if (_ended)
        {
            return null;
        }

        try
        {
            if (_sessions.MoveNext())
            {
                return _sessions.Current;
            }
        }
        catch (ReplayFileException e)
        {
            logger.LogError("{Device}: the recording cannot be replayed: {Problem}", deviceId, e.Message);
        }

        _ended = true;
        return null;
    }

    public void Dispose() => _sessions.Dispose();
}

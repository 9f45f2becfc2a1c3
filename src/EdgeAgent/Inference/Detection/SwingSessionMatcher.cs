using Pipeline.EdgeAgent.Agent;

namespace Pipeline.EdgeAgent.Inference.Detection;

/// <summary>
/// Scores the <see cref="SwingDetector"/> against the sessions the device labelled, in stream sample numbers: a
/// detection whose peak lies in a session takes that session's class as its ground truth. The first detection in
/// a session counts as a detected swing; one that lies in no known session, or in a session that already had
/// one, is a false detection; a session that ends with no detection, once no detection can still land in it, is
/// a missed swing. Only the few sessions a detection can still reach are kept.
/// </summary>
internal sealed class SwingSessionMatcher(AgentTelemetry telemetry)
{
    /// <summary>Sessions kept at most; sessions shorter than a detector's reach are not expected, and the oldest goes first.</summary>
    public const int MaxOpenSessions = 64;

    private readonly LinkedList<OpenSession> _sessions = new();

    /// <summary>A session starts at stream sample <paramref name="startSample"/>; its end is not known yet.</summary>
    public void Begin(long startSample, string className)
    {
        if (_sessions.Count == MaxOpenSessions)
        {
            Settle(_sessions.First!.Value);
            _sessions.RemoveFirst();
        }

        _sessions.AddLast(new OpenSession(startSample, className));
    }

    /// <summary>The session begun last ends just before stream sample <paramref name="endSample"/>.</summary>
    public void End(long endSample)
    {
        if (_sessions.Last is { } last)
        {
            last.Value.EndSample = endSample;
        }
    }

    /// <summary>The class of the session holding the swing's peak, or null when none does; counts the detection either way.</summary>
    public string? Match(DetectedSwing swing)
    {
        foreach (var session in _sessions)
        {
            if (swing.PeakSample >= session.StartSample && swing.PeakSample < session.EndSample)
            {
                if (session.Detected)
                {
                    telemetry.FalseSwingDetected();
                }
                else
                {
                    session.Detected = true;
                    telemetry.SwingDetected();
                }

                return session.ClassName;
            }
        }

        telemetry.FalseSwingDetected();
        return null;
    }

    /// <summary>
    /// Forgets the sessions that ended before <paramref name="reachableFromSample"/>, the earliest sample a peak
    /// still to be reported can have, counting those without a detection as missed.
    /// </summary>
    public void Forget(long reachableFromSample)
    {
        while (_sessions.First is { } first && first.Value.EndSample <= reachableFromSample)
        {
            Settle(first.Value);
            _sessions.RemoveFirst();
        }
    }

    /// <summary>The stream ended: nothing more will be detected, so every session still waiting was missed.</summary>
    public void Finish()
    {
        foreach (var session in _sessions)
        {
            Settle(session);
        }

        _sessions.Clear();
    }

    private void Settle(OpenSession session)
    {
        if (!session.Detected)
        {
            telemetry.SwingMissed();
        }
    }

    private sealed class OpenSession(long startSample, string className)
    {
        public long StartSample { get; } = startSample;

        public string ClassName { get; } = className;

        public long EndSample { get; set; } = long.MaxValue;

        public bool Detected { get; set; }
    }
}

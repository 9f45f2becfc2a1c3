namespace Pipeline.Runner.Terminal;

/// <summary>How `pipeline up` and `pipeline train` talk to people: a live progress display, or plain log lines.</summary>
internal enum ConsoleMode
{
    /// <summary>One line per event, as before: for redirected output, logs, CI, and `--plain`.</summary>
    Plain,

    /// <summary>A display redrawn in place (Spectre.Console), with the logs in a file of the run.</summary>
    Live,
}

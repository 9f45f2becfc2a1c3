namespace Pipeline.Runner.Terminal;

/// <summary>
/// Picks the console mode: live only when a person is likely watching, that is standard output is a terminal that
/// understands ANSI cursor movement, and `--plain` was not given. Anything redirected gets plain lines, which a file
/// or a pipe can keep.
/// </summary>
internal static class ConsoleModeChoice
{
    public static ConsoleMode Decide(bool plainRequested, bool outputRedirected, bool terminalSupportsAnsi) =>
        plainRequested || outputRedirected || !terminalSupportsAnsi ? ConsoleMode.Plain : ConsoleMode.Live;

    /// <summary>The mode for this process's standard output.</summary>
    public static ConsoleMode ForThisProcess(bool plainRequested) =>
        Decide(plainRequested, System.Console.IsOutputRedirected, !plainRequested && !System.Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Ansi);
}

using System.CommandLine;
using Pipeline.Runner.Terminal;

namespace Pipeline.Runner.Up;

/// <summary>The `pipeline up` command line: flags, their validation, and the exit codes.</summary>
internal static class UpCommand
{
    public const int ExitOk = 0;
    public const int ExitLoopNotClosed = 1;
    public const int ExitBadArguments = 2;

    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "Stop after this many training rounds per task (0: run until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var data = new Option<string>("--data") { Description = "Data folder: store, models, edge state, and runs/<time>/report.json.", DefaultValueFactory = _ => "data" };
        var broker = new Option<string?>("--broker") { Description = "Use this MQTT broker (host:port) instead of starting the embedded one." };
        var port = new Option<int>("--port") { Description = "Port of the embedded broker on 127.0.0.1 (0: any free port).", DefaultValueFactory = _ => 1883 };
        var speed = new Option<double>("--speed") { Description = "How many times faster than real time the simulated devices run.", DefaultValueFactory = _ => 25 };
        var schedule = new Option<string>("--schedule") { Description = "Training schedule: pipelined, non-pipelined, or hybrid (pipelined first, then non-pipelined).", DefaultValueFactory = _ => "pipelined" };
        var settle = new Option<int>("--settle-seconds") { Description = "After the last round, how long agents get to switch to the newest model.", DefaultValueFactory = _ => 120 };
        var dashboardPort = new Option<int>("--dashboard-port")
        {
            Description = "Port of the web dashboard on 127.0.0.1 (0: no dashboard).", DefaultValueFactory = _ => UpSettings.DefaultDashboardPort,
        };
        var plain = new Option<bool>("--plain") { Description = "Plain log lines even in a terminal, instead of the live progress display." };
        var set = new Option<string[]>("--set") { Description = "Any other setting, as Section:Key=value (repeatable), e.g. Trainer:Epochs=20.", AllowMultipleArgumentsPerToken = false };

        var command = new Command("up", "Run the whole loop in one process: broker, store, ingest, trainer, one golf club and one microscope.")
        {
            rounds, data, broker, port, speed, schedule, settle, dashboardPort, plain, set,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!SetOptionParser.TryParse(parse.GetValue(set) ?? [], out var overrides, out var setError))
            {
                await System.Console.Error.WriteLineAsync($"pipeline up: {setError}");
                return ExitBadArguments;
            }

            var settings = new UpSettings(
                parse.GetValue(rounds), parse.GetValue(data)!, parse.GetValue(broker), parse.GetValue(port), parse.GetValue(speed),
                parse.GetValue(schedule)!, TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(settle))), overrides,
                parse.GetValue(dashboardPort) is var dashboard && dashboard == 0 ? null : dashboard);
            if (settings.Validate() is { } error)
            {
                await System.Console.Error.WriteLineAsync($"pipeline up: {error}");
                return ExitBadArguments;
            }

            try
            {
                var mode = ConsoleModeChoice.ForThisProcess(parse.GetValue(plain));
                var outcome = await new LocalLoop(settings, System.Console.Out, mode: mode).RunAsync(cancellationToken);
                return outcome.Problem is null ? ExitOk : ExitLoopNotClosed;
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException e)
            {
                await System.Console.Error.WriteLineAsync($"pipeline up: invalid configuration: {string.Join("; ", e.Failures)}");
                return ExitBadArguments;
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
            {
                await System.Console.Error.WriteLineAsync($"pipeline up: port {settings.BrokerPort} on 127.0.0.1 is already in use; pass --port 0 for any free port, or --broker host:port to use the broker that is there");
                return ExitBadArguments;
            }
        });
        return command;
    }
}

using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Runner.Observing;

namespace Pipeline.Runner.Dashboard;

/// <summary>
/// `pipeline dashboard --broker host:port [--data DIR]`: the web dashboard for a deployment running elsewhere, until
/// Ctrl-C. With no component in this process it shows what the broker retains (device statuses, announced models) and
/// sees (predictions), and with --data the model registry and quarantine; the page names what it cannot show.
/// </summary>
internal static class DashboardCommand
{
    public const int ExitOk = 0;
    public const int ExitUnreachable = 1;
    public const int ExitBadArguments = 2;

    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "The deployment's MQTT broker, host:port.", DefaultValueFactory = _ => "127.0.0.1:1883" };
        var data = new Option<string?>("--data") { Description = "The deployment's data folder: its identities, model registry and quarantine." };
        var port = new Option<int>("--port") { Description = "Port of the dashboard on 127.0.0.1 (0: any free port).", DefaultValueFactory = _ => 8080 };
        var timeout = new Option<double>("--timeout-seconds") { Description = "How long to try to reach the broker.", DefaultValueFactory = _ => 15 };
        var command = new Command("dashboard", "Serve the web dashboard for a running deployment.") { broker, data, port, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var dataFolder = parse.GetValue(data);
            if (dataFolder is not null && !Directory.Exists(dataFolder))
            {
                await error.WriteLineAsync($"pipeline dashboard: --data {dataFolder} is not a folder");
                return ExitBadArguments;
            }

            if (parse.GetValue(port) is < 0 or > 65535)
            {
                await error.WriteLineAsync($"pipeline dashboard: --port {parse.GetValue(port)} is outside 0..65535");
                return ExitBadArguments;
            }

            if (DeploymentBroker.Options(parse.GetValue(broker)!, dataFolder, out var problem) is not { } options)
            {
                await error.WriteLineAsync($"pipeline dashboard: --broker: {problem}");
                return ExitBadArguments;
            }

            FleetObserver observer;
            using (var reach = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                reach.CancelAfter(TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(timeout), 1, 3600)));
                try
                {
                    observer = await FleetObserver.StartAsync(options, ObserverIdentities.Dashboard, NullLoggerFactory.Instance, TimeProvider.System, reach.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await error.WriteLineAsync($"pipeline dashboard: no answer from the broker at {options.Host}:{options.Port}");
                    return ExitUnreachable;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await error.WriteLineAsync($"pipeline dashboard: the broker at {options.Host}:{options.Port} refused the observer \"{ObserverIdentities.Dashboard}\": {e.Message}");
                    return ExitUnreachable;
                }
            }

            await using var watching = observer;
            using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            var source = new FleetPictureSource($"broker {options.Host}:{options.Port}" + (dataFolder is null ? "" : $", data folder {Path.GetFullPath(dataFolder)}"),
                observer, TimeProvider.System,
                quarantineFolder: dataFolder is null ? null : Path.Combine(dataFolder, "quarantine"),
                registry: dataFolder is null ? null : new RegistryReader(dataFolder, TimeProvider.System));
            try
            {
                await using var server = await DashboardServer.StartAsync(parse.GetValue(port), "Pipeline: dashboard", source, TimeProvider.System, logs, cancellationToken);
                await output.WriteLineAsync($"pipeline dashboard: serving {server.Url} (Ctrl-C to stop)");
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (IOException e)
            {
                await error.WriteLineAsync($"pipeline dashboard: cannot serve on port {parse.GetValue(port)}: {e.Message}");
                return ExitBadArguments;
            }

            return ExitOk;
        });
        return command;
    }
}

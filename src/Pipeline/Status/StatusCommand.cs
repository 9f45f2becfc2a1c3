using System.CommandLine;
using System.Text.Json;
using Pipeline.Runner.Observing;

namespace Pipeline.Runner.Status;

/// <summary>`pipeline status [--json]`: a running deployment at a glance, from its broker and (with --data) its store and registry.</summary>
internal static class StatusCommand
{
    public const int ExitOk = 0;
    public const int ExitUnreachable = 1;
    public const int ExitBadArguments = 2;

    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "The deployment's MQTT broker, host:port.", DefaultValueFactory = _ => "127.0.0.1:1883" };
        var data = new Option<string?>("--data") { Description = "The deployment's data folder: its identities, store and model registry." };
        var json = new Option<bool>("--json") { Description = "One JSON object instead of text." };
        var seconds = new Option<double>("--seconds") { Description = "How long to watch to measure rates.", DefaultValueFactory = _ => 2 };
        var timeout = new Option<double>("--timeout-seconds") { Description = "How long to try to reach the broker.", DefaultValueFactory = _ => 15 };
        var command = new Command("status", "Devices, model versions, rates and the last round of a running deployment.") { broker, data, json, seconds, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var window = parse.GetValue(seconds);
            if (!double.IsFinite(window) || window is < 0.5 or > 600)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"pipeline status: --seconds {window} is outside 0.5..600");
                return ExitBadArguments;
            }

            var dataFolder = parse.GetValue(data);
            if (dataFolder is not null && !Directory.Exists(dataFolder))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"pipeline status: --data {dataFolder} is not a folder");
                return ExitBadArguments;
            }

            if (DeploymentBroker.Options(parse.GetValue(broker)!, dataFolder, out var error) is not { } options)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"pipeline status: --broker: {error}");
                return ExitBadArguments;
            }

            using var reach = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            reach.CancelAfter(TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(timeout), 1, 3600) + window));
            StatusReport report;
            try
            {
                report = await StatusGathering.GatherAsync(options, dataFolder, TimeSpan.FromSeconds(window), reach.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"pipeline status: no answer from the broker at {options.Host}:{options.Port}");
                return ExitUnreachable;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"pipeline status: the broker at {options.Host}:{options.Port} refused the observer \"{ObserverIdentities.Status}\": {e.Message}");
                return ExitUnreachable;
            }

            await parse.InvocationConfiguration.Output.WriteAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(report, StatusJsonContext.Default.StatusReport) + "\n"
                : StatusText.Render(report));
            return ExitOk;
        });
        return command;
    }
}

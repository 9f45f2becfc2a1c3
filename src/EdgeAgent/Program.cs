using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting;
using Pipeline.Hosting.Help;

// Standalone: dotnet run --project src/EdgeAgent -- --Broker:Host 127.0.0.1 --Broker:Port 1883 --Agent:Kind golf --Agent:DeviceId club-1
if (SettingsHelp.IsRequested(args))
{
    Console.Write(SettingsHelp.Render("edge agent", "runs simulated or replayed devices that stream over MQTT and run the models they are sent.",
        [new(EdgeAgentFleetOptions.SingleSection, typeof(EdgeAgentOptions), $"one agent; a fleet is the list {EdgeAgentFleetOptions.ListSection}:0:<Key>, {EdgeAgentFleetOptions.ListSection}:1:<Key>, ... with the same keys")],
        []));
    return 0;
}

try
{
    var builder = ServiceDefaults.CreateBuilder(args);
    builder.Services.AddEdgeAgents(builder.Configuration);
    await builder.Build().RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"edge agent: invalid configuration: {string.Join("; ", e.Failures)}");
    return 2;
}
catch (IOException e)
{
    await Console.Error.WriteLineAsync($"edge agent: {e.Message}");
    return 1;
}

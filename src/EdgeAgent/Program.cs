using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting;

// Standalone: dotnet run --project src/EdgeAgent -- --Broker:Host 127.0.0.1 --Broker:Port 1883 --Agent:Kind golf --Agent:DeviceId club-1
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

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Hosting;
using Pipeline.Ingest;

// dotnet run --project src/Ingest -- --Broker:Host 127.0.0.1 --Broker:Port 1883 --Ingest:DataFolder DIR
var builder = ServiceDefaults.CreateBuilder(args);
builder.Services.AddIngest(builder.Configuration);
try
{
    using var host = builder.Build();
    await host.RunAsync();
    // Non-zero when a background loop failed and stopped the host (IngestService sets it), so a supervisor restarts us.
    return Environment.ExitCode;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"ingest: invalid configuration: {string.Join("; ", e.Failures)}");
    return 2;
}
catch (IOException e)
{
    await Console.Error.WriteLineAsync($"ingest: {e.Message}");
    return 1;
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Hosting;
using Pipeline.Hosting.Help;
using Pipeline.Ingest;
using Pipeline.Storage;
using Pipeline.Storage.Influx;
using Pipeline.Storage.Influx2;

// dotnet run --project src/Ingest -- --Broker:Host 127.0.0.1 --Broker:Port 1883 --Ingest:DataFolder DIR
// The standalone ingest serves /alive, /health and /metrics on 8081 unless told otherwise; the library's hosts do not.
KeyValuePair<string, string?>[] defaults = [new("Http:Port", "8081")];
if (SettingsHelp.IsRequested(args))
{
    Console.Write(SettingsHelp.Render("ingest", "takes device telemetry off the MQTT broker and writes it to the store.",
        [new(IngestOptions.Section, typeof(IngestOptions)), new(StoreBackendOptions.Section, typeof(StoreBackendOptions)),
         new(InfluxOptions.Section, typeof(InfluxOptions)), new(Influx2Options.Section, typeof(Influx2Options))], defaults));
    return 0;
}

try
{
    var builder = ServiceDefaults.CreateBuilder(args, defaults: defaults);
    builder.Services.AddIngest(builder.Configuration);
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

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Hosting;
using Pipeline.Hosting.Help;
using Pipeline.Storage;
using Pipeline.Storage.Influx;
using Pipeline.Storage.Influx2;
using Pipeline.Trainer.Observability;
using Pipeline.Trainer.Service;

// dotnet run --project src/Trainer -- --broker 127.0.0.1:1883 --Trainer:DataFolder DIR
// The standalone trainer serves /alive, /health and /metrics on 8082 unless told otherwise; the library's hosts do not.
KeyValuePair<string, string?>[] defaults = [new("Http:Port", "8082")];
if (SettingsHelp.IsRequested(args))
{
    Console.Write(SettingsHelp.Render("trainer", "trains models on what the store holds, blesses the better ones and announces them to the devices.",
        [new(TrainerOptions.Section, typeof(TrainerOptions)), new(TrainerOptions.Section, typeof(TrainingLoopHealthOptions), "(the training-loop health check)"),
         new(StoreBackendOptions.Section, typeof(StoreBackendOptions)), new(InfluxOptions.Section, typeof(InfluxOptions)), new(Influx2Options.Section, typeof(Influx2Options))],
        defaults));
    return 0;
}

try
{
    var builder = ServiceDefaults.CreateBuilder(args, defaults: defaults);
    var dataFolder = builder.Configuration[$"{TrainerOptions.Section}:DataFolder"] ?? "data";
    // Ingest owns the store (one writer); a standalone trainer reads what ingest appends, from another process.
    builder.Services.AddConfiguredTelemetryStore(builder.Configuration, dataFolder, StoreAccess.ReadOnly);
    builder.Services.AddTrainer(builder.Configuration);
    var storeFolder = Path.Combine(dataFolder, "store");
    var embedded = (builder.Configuration["Store:Backend"] ?? StoreBackendOptions.Embedded) == StoreBackendOptions.Embedded;
    using var host = builder.Build();
    using var stopping = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };
    while (embedded && !Directory.Exists(storeFolder))
    {
        Console.WriteLine($"trainer: waiting for ingest to create the store at {Path.GetFullPath(storeFolder)}");
        await Task.Delay(TimeSpan.FromSeconds(2), stopping.Token);
    }

    var trainer = host.Services.GetRequiredService<TrainerService>();
    await host.StartAsync(stopping.Token);
    // With Rounds > 0 the trainer ends on its own; stop the host then, or on Ctrl+C.
    var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
    await Task.WhenAny(trainer.ExecuteTask ?? Task.CompletedTask, Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping));
    await host.StopAsync(CancellationToken.None);
    return trainer.ExecuteTask is { IsFaulted: true } ? 1 : 0;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"trainer: invalid configuration: {string.Join("; ", e.Failures)}");
    return 2;
}
catch (OperationCanceledException)
{
    return 0;
}
catch (IOException e)
{
    await Console.Error.WriteLineAsync($"trainer: {e.Message}");
    return 1;
}

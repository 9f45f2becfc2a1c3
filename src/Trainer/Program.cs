using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Storage;
using Pipeline.Storage.Embedded;
using Pipeline.Trainer.Service;

var builder = ServiceDefaults.CreateBuilder(args);
var dataFolder = builder.Configuration[$"{TrainerOptions.Section}:DataFolder"] ?? "data";
// Ingest owns the store (one writer); a standalone trainer reads what ingest appends, from another process.
builder.Services.AddSingleton<ITelemetryStore>(provider => EmbeddedTelemetryStore.OpenReadOnly(
    Path.Combine(dataFolder, "store"), provider.GetService<ILoggerFactory>()?.CreateLogger<EmbeddedTelemetryStore>()));
builder.Services.AddTrainer(builder.Configuration);
using var host = builder.Build();
var trainer = host.Services.GetRequiredService<TrainerService>();
await host.StartAsync();
// With Rounds > 0 the trainer ends on its own; stop the host then, or on Ctrl+C.
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
await Task.WhenAny(trainer.ExecuteTask ?? Task.CompletedTask, Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping));
await host.StopAsync();
return trainer.ExecuteTask is { IsFaulted: true } ? 1 : 0;

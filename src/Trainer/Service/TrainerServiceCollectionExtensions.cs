using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Tasks;
using Pipeline.Hosting.Health;
using Pipeline.Settings;
using Pipeline.Storage;
using Pipeline.Trainer.Observability;

namespace Pipeline.Trainer.Service;

public static class TrainerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TrainerService"/> (also resolvable as itself) with validated options, its telemetry and its
    /// readiness checks (the store answers a read, the training loop is not stuck), training every registered learning
    /// task (the built-in ones, and any added with <c>AddLearningTask</c>) unless Trainer:Tasks names some.
    /// ITelemetryStore and MqttConnectionFactory come from the host.
    /// </summary>
    public static IServiceCollection AddTrainer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLearningTasks();
        services.AddCheckedSettings<TrainerOptions, TaskRegistry>(configuration, (options, tasks, problems) => options.CheckTasks(tasks, problems));
        services.AddCheckedSettings<TrainingLoopHealthOptions>(configuration);
        services.AddSingleton<TrainerTelemetry>();
        services.AddHealthChecks()
            .AddReachabilityCheck<ITelemetryStore>(StoreProbe.Name, StoreProbe.RunAsync)
            .AddCheck<TrainingLoopHealthCheck>(TrainingLoopHealthCheck.Name);
        services.AddSingleton<TrainerService>();
        services.AddHostedService(provider => provider.GetRequiredService<TrainerService>());
        return services;
    }
}

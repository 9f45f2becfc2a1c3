using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pipeline.Trainer.Service;

public static class TrainerServiceCollectionExtensions
{
    /// <summary>Registers <see cref="TrainerService"/> (also resolvable as itself) with validated options. ITelemetryStore and MqttConnectionFactory come from the host.</summary>
    public static IServiceCollection AddTrainer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrainerOptions>()
            .Bind(configuration.GetSection(TrainerOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Validate() is null, "Trainer options are invalid (see Trainer:Tasks, Trainer:Schedule, Trainer:Devices)")
            .ValidateOnStart();
        services.AddSingleton<TrainerService>();
        services.AddHostedService(provider => provider.GetRequiredService<TrainerService>());
        return services;
    }
}

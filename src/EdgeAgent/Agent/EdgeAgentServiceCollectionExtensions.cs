using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.EdgeAgent.Devices;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.EdgeAgent.Agent;

public static class EdgeAgentServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="EdgeAgentWorker"/> per configured agent ("Agent" section and/or "Agents" list)
    /// and an <see cref="EdgeAgentRegistry"/> holding them. Invalid options fail host start-up with every
    /// problem named. The device kinds and the learning tasks they feed come from the container
    /// (<see cref="DeviceKindServiceCollectionExtensions.AddDeviceKinds"/>, added here). Needs the service defaults
    /// (broker connection factory, TimeProvider, logging).
    /// </summary>
    public static IServiceCollection AddEdgeAgents(this IServiceCollection services, IConfiguration configuration)
    {
        var fleet = EdgeAgentFleetOptions.Bind(configuration);
        services.AddDeviceKinds();
        services.AddOptions<EdgeAgentFleetOptions>()
            .Configure(target => target.Agents.AddRange(fleet.Agents))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeAgentFleetOptions>, EdgeAgentFleetValidation>());
        services.AddSingleton<EdgeAgentRegistry>();
        services.AddSingleton<AgentTelemetryInstruments>();
        for (var i = 0; i < fleet.Agents.Count; i++)
        {
            var index = i;
            services.AddSingleton<IHostedService>(provider =>
            {
                var options = provider.GetRequiredService<IOptions<EdgeAgentFleetOptions>>().Value.Agents[index];
                var worker = new EdgeAgentWorker(
                    options,
                    provider.GetRequiredService<DeviceKindRegistry>(),
                    provider.GetRequiredService<MqttConnectionFactory>(),
                    provider.GetRequiredService<TimeProvider>(),
                    provider.GetRequiredService<ILoggerFactory>(),
                    provider.GetRequiredService<AgentTelemetryInstruments>());
                provider.GetRequiredService<EdgeAgentRegistry>().Add(worker);
                return worker;
            });
        }

        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Tasks;

namespace Pipeline.EdgeAgent.Devices;

internal static class DeviceKindServiceCollectionExtensions
{
    /// <summary>
    /// Registers the device kinds (once, however often it is called), the learning tasks they feed
    /// (<see cref="TaskServiceCollectionExtensions.AddLearningTasks"/>) and the <see cref="DeviceKindRegistry"/> over them.
    /// </summary>
    public static IServiceCollection AddDeviceKinds(this IServiceCollection services)
    {
        services.AddLearningTasks();
        foreach (var kind in DeviceKinds.All)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeviceKind>(kind));
        }

        services.TryAddSingleton(provider => new DeviceKindRegistry(provider.GetServices<IDeviceKind>(), provider.GetRequiredService<TaskRegistry>()));
        return services;
    }
}

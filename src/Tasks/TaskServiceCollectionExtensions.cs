using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Pipeline.Tasks;

public static class TaskServiceCollectionExtensions
{
    /// <summary>Registers the built-in tasks (once, however often it is called) and the <see cref="TaskRegistry"/> over every registered task.</summary>
    public static IServiceCollection AddLearningTasks(this IServiceCollection services)
    {
        foreach (var task in BuiltInTasks.All)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ILearningTask>(task));
        }

        services.TryAddSingleton(provider => new TaskRegistry(provider.GetServices<ILearningTask>()));
        return services;
    }

    /// <summary>Adds one more task beside the built-in ones: the only registration a new task needs.</summary>
    public static IServiceCollection AddLearningTask(this IServiceCollection services, ILearningTask task)
    {
        // Built-in tasks first, so they keep their place (and the trainer its order) whatever is added after them.
        services.AddLearningTasks();
        services.AddSingleton(task);
        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Pipeline.Settings;

/// <summary>Binds an <see cref="ICheckedSettings"/> class from its section and checks it when the host starts.</summary>
public static class CheckedSettingsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="T"/> from its section and refuses to start, with an <see cref="OptionsValidationException"/>
    /// listing every problem, when a value cannot be read as its type (a word where a number belongs), a renamed key is
    /// still set, or <see cref="ICheckedSettings.Check"/> finds one.
    /// </summary>
    public static OptionsBuilder<T> AddCheckedSettings<T>(this IServiceCollection services, IConfiguration configuration)
        where T : class, ICheckedSettings
    {
        var section = configuration.GetSection(T.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>>(new CheckedSettingsValidator<T>(section)));
        return services.AddOptions<T>().Configure(settings => Bind(section, settings)).ValidateOnStart();
    }

    /// <summary>
    /// As <see cref="AddCheckedSettings{T}"/>, with checks that need a service (the registered learning tasks, say),
    /// reported in the same list.
    /// </summary>
    public static OptionsBuilder<T> AddCheckedSettings<T, TService>(this IServiceCollection services, IConfiguration configuration,
        Action<T, TService, SettingProblems> check)
        where T : class, ICheckedSettings
        where TService : notnull
    {
        var builder = services.AddCheckedSettings<T>(configuration);
        services.AddSingleton<IValidateOptions<T>>(provider => new ServiceSettingsValidator<T, TService>(provider.GetRequiredService<TService>(), check));
        return builder;
    }

    /// <summary>Binds <paramref name="section"/> onto <paramref name="settings"/>; a value that is not of its key's type is a validation failure, not a crash.</summary>
    public static void Bind<T>(IConfigurationSection section, T settings)
        where T : class, ICheckedSettings
    {
        try
        {
            settings.BindFrom(section);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsValidationException(T.Section, typeof(T), [e.Message]);
        }
    }

    /// <summary>Every problem of <paramref name="settings"/>, renamed keys in <paramref name="section"/> included.</summary>
    public static IReadOnlyList<string> Problems<T>(T settings, IConfigurationSection? section = null)
        where T : class, ICheckedSettings
    {
        var problems = new SettingProblems(T.Section);
        if (section is not null)
        {
            foreach (var (old, replacement) in T.RenamedKeys)
            {
                problems.Require(!section.GetSection(old).Exists(), old, $"was renamed: set {T.Section}:{replacement} instead (a duration such as 00:00:02 where it is one)");
            }
        }

        settings.Check(problems);
        return problems.All;
    }

    /// <summary>Throws an <see cref="OptionsValidationException"/> listing every problem of <paramref name="settings"/>, if it has any.</summary>
    public static void ThrowIfInvalid<T>(T settings)
        where T : class, ICheckedSettings
    {
        var problems = Problems(settings);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(T.Section, typeof(T), problems);
        }
    }

    private sealed class CheckedSettingsValidator<T>(IConfigurationSection section) : IValidateOptions<T>
        where T : class, ICheckedSettings
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = Problems(options, section);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    private sealed class ServiceSettingsValidator<T, TService>(TService service, Action<T, TService, SettingProblems> check) : IValidateOptions<T>
        where T : class, ICheckedSettings
        where TService : notnull
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = new SettingProblems(T.Section);
            check(options, service, problems);
            return problems.All.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.All);
        }
    }
}

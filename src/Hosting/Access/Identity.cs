using Pipeline.Protocol;

namespace Pipeline.Hosting.Access;

/// <summary>
/// One party allowed on the broker. <see cref="Name"/> is its MQTT username and also the only client id it may use,
/// so nobody can take over another identity's persistent session. A device identity carries its site, device id and
/// task, which fix its topics. <see cref="PasswordHash"/> is in mosquitto's password-file format (<see cref="PasswordHash"/>).
/// </summary>
public sealed record Identity(string Name, IdentityRole Role, string PasswordHash, string? Site = null, string? DeviceId = null, string? Task = null)
{
    /// <summary>The client id (and so the identity name) an edge agent uses: "edge-{site}-{device}".</summary>
    public static string DeviceName(string site, string deviceId) => $"edge-{site}-{deviceId}";

    /// <summary>Why this identity is not well-formed, or null.</summary>
    public string? Problem() => Role switch
    {
        _ when !Identifiers.IsValid(Name) => $"identity name \"{Name}\" is not valid ({Identifiers.Rule})",
        IdentityRole.Device when !Identifiers.IsValid(Site) || !Identifiers.IsValid(DeviceId) => $"device identity {Name} needs a valid site and device id",
        // Any task name that can be a topic segment: the tasks are registered per host (a third kind included), and the CLI
        // that adds identities checks the name against its own.
        IdentityRole.Device when !Identifiers.IsValid(Task) => $"device identity {Name} needs a task name that is a valid identifier ({Identifiers.Rule}); got \"{Task}\"",
        IdentityRole.Device when Name != DeviceName(Site!, DeviceId!) => $"device identity {Name} must be named {DeviceName(Site!, DeviceId!)}",
        _ when !Enum.IsDefined(Role) => $"identity {Name} has an unknown role",
        _ => null,
    };
}

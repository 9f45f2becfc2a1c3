using Microsoft.Extensions.Configuration;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Devices;
using Pipeline.Hosting.Access;
using Pipeline.Ingest;
using Pipeline.Runner.Observing;
using Pipeline.Trainer.Service;

namespace Pipeline.Runner.Up;

/// <summary>
/// `pipeline up` is secure by default: on first start it creates an identity, with its own secret, for ingest, the
/// trainer, each simulated device and the observers (its own, `pipeline dashboard`'s, `pipeline status`'), under `&lt;data&gt;/security`; later starts reuse them. The embedded broker admits
/// only these identities and applies the topic policy to each; the components find their secrets in the same folder.
/// </summary>
internal static class LoopIdentities
{
    public static string Folder(string dataFolder) => Path.Combine(dataFolder, "security");

    /// <summary>The trainer's private model-signing key.</summary>
    public static string ModelSigningKeyPath(string dataFolder) => Path.Combine(Folder(dataFolder), "model-signing.key");

    /// <summary>The public keys the loop's devices trust models from: where the trainer puts its own key's public half.</summary>
    public static string TrustedModelKeysFolder(string dataFolder) => TrainerOptions.TrustedModelKeysFolderBeside(ModelSigningKeyPath(dataFolder));

    /// <summary>The broker's certificate authority and certificate (<see cref="BrokerCertificates"/>).</summary>
    public static string TlsFolder(string dataFolder) => Path.Combine(Folder(dataFolder), "tls");

    /// <summary>
    /// Adds the identities the configured components need and do not have yet, and with <paramref name="tls"/> gives
    /// each identity whose secret this machine holds a current client certificate; returns the names it added. A device's
    /// identity names the task its kind feeds (<paramref name="kinds"/>).
    /// </summary>
    public static IReadOnlyList<string> Ensure(IdentityStore store, IConfiguration configuration, BrokerCertificates? tls, DeviceKindRegistry kinds)
    {
        var ingest = new IngestOptions();
        configuration.GetSection(IngestOptions.Section).Bind(ingest);
        var trainer = new TrainerOptions();
        configuration.GetSection(TrainerOptions.Section).Bind(trainer);
        var existing = store.Load().Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var added = new List<string>();
        void Add(IdentityRole role, string name, string? site = null, string? device = null, string? task = null)
        {
            if (existing.Add(name))
            {
                store.Add(role, name, site, device, task);
                added.Add(name);
            }
        }

        Add(IdentityRole.Ingest, ingest.ClientId);
        Add(IdentityRole.Trainer, trainer.ClientId);
        foreach (var observer in ObserverIdentities.All)
        {
            Add(IdentityRole.Observer, observer);
        }
        foreach (var agent in EdgeAgentFleetOptions.Bind(configuration).Agents)
        {
            Add(IdentityRole.Device, Identity.DeviceName(agent.Site, agent.DeviceId), agent.Site, agent.DeviceId, kinds.TaskOf(agent.Kind).Name);
        }

        foreach (var identity in tls is null ? [] : store.Load().Where(i => store.ReadSecret(i.Name) is not null))
        {
            tls!.IssueClientCertificate(identity.Name, store.SecretsFolder);
        }

        return added;
    }
}

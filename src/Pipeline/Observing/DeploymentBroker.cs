using Pipeline.Hosting.Mqtt;
using Pipeline.Runner.Up;

namespace Pipeline.Runner.Observing;

/// <summary>
/// How a viewer of a running deployment (`pipeline status`, `pipeline dashboard`) reaches its broker: the endpoint given,
/// and, when the deployment's data folder is given and holds them, the observer's secret and client certificate
/// (security/secrets) and the broker's certificate authority (security/tls/ca.crt), as `pipeline up` lays them out.
/// </summary>
internal static class DeploymentBroker
{
    /// <summary>The options for <paramref name="endpoint"/> (host:port), or null with <paramref name="error"/> saying what is wrong.</summary>
    public static BrokerOptions? Options(string endpoint, string? dataFolder, out string? error)
    {
        if (!BrokerOptions.TryParseEndpoint(endpoint, out var host, out var port, out error))
        {
            return null;
        }

        var options = new BrokerOptions { Host = host, Port = port };
        if (dataFolder is not null)
        {
            var secrets = Path.Combine(LoopIdentities.Folder(dataFolder), Hosting.Access.IdentityStore.SecretsFolderName);
            var authority = Path.Combine(LoopIdentities.TlsFolder(dataFolder), "ca.crt");
            options.CredentialsFolder = Directory.Exists(secrets) ? secrets : "";
            options.CaCertificate = File.Exists(authority) ? authority : "";
        }

        return options;
    }
}

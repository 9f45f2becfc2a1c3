using Pipeline.TestSupport;

namespace Pipeline.Deploy.Tests;

/// <summary>The Kubernetes mosquitto keeps what deploy/mosquitto/mosquitto.conf guarantees about queues and persistence.</summary>
public sealed class MosquittoConfigurationTests
{
    private static readonly string[] Guarantees =
    [
        "persistence", "autosave_on_changes", "autosave_interval", "max_queued_messages", "max_queued_bytes",
        "persistent_client_expiration", "max_inflight_messages", "max_packet_size", "set_tcp_nodelay",
    ];

    [Fact]
    public void Queue_persistence_and_packet_settings_equal_the_repositorys_configuration()
    {
        var repository = Settings(RepositoryFiles.Find("deploy/mosquitto/mosquitto.conf"));
        var kubernetes = Settings(RepositoryFiles.Find("deploy/k8s/brokers/mosquitto/mosquitto.conf"));

        Assert.All(Guarantees, key => Assert.Equal(repository[key], kubernetes[key]));
    }

    [Fact]
    public void Identities_topic_rules_and_client_certificates_are_always_on()
    {
        var kubernetes = Settings(RepositoryFiles.Find("deploy/k8s/brokers/mosquitto/mosquitto.conf"));

        Assert.Equal(["false"], kubernetes["allow_anonymous"]);
        Assert.Equal(["true"], kubernetes["use_username_as_clientid"]);
        Assert.Equal(["true"], kubernetes["require_certificate"]);
        Assert.Single(kubernetes["password_file"]);
        Assert.Single(kubernetes["acl_file"]);
    }

    private static Dictionary<string, List<string>> Settings(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(' ', 2))
            .GroupBy(words => words[0], words => words.ElementAtOrDefault(1) ?? "")
            .ToDictionary(g => g.Key, g => g.ToList());
}

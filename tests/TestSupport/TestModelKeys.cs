using Pipeline.Protocol;

namespace Pipeline.TestSupport;

/// <summary>
/// A model-signing key pair for tests, made once per test process: agents trust <see cref="TrustedFolder"/>, and tests
/// that announce models sign them with <see cref="Sign"/>, as the trainer does with its own key. Deleted at exit.
/// </summary>
public static class TestModelKeys
{
    private static readonly TemporaryFolder Folder = CreateFolder();
    private static readonly ModelSigningKey Key = ModelSigningKey.Ensure(Folder.Combine("model-signing.key"), Folder.Combine("trusted"));

    /// <summary>The folder holding the test key's public half: an agent's Agent:TrustedModelKeysFolder.</summary>
    public static string TrustedFolder => Folder.Combine("trusted");

    /// <summary>The private key's file, for a trainer's Trainer:SigningKeyPath.</summary>
    public static string PrivateKeyPath => Folder.Combine("model-signing.key");

    public static ModelManifest Sign(ModelManifest manifest) => ModelManifestSigning.Sign(manifest, Key);

    private static TemporaryFolder CreateFolder()
    {
        var folder = new TemporaryFolder("test-model-keys");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => folder.Dispose();
        return folder;
    }
}

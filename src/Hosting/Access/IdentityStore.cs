using System.Text.Json;
using Pipeline.Durability.Files;

namespace Pipeline.Hosting.Access;

/// <summary>
/// The identities allowed on the broker, kept in one folder (by default `&lt;data&gt;/security`):
/// `identities.json` (names, roles, topics and password hashes, never secrets), `secrets/&lt;name&gt;.secret` (the secret
/// of each identity whose secret this machine holds, readable by its owner only), and the mosquitto password and ACL
/// files rendered from them. Every change rewrites the files through a temporary file and a rename, under a lock file,
/// so readers (the embedded broker reloads on change) never see half a file and two writers never interleave.
/// </summary>
public sealed class IdentityStore
{
    public const string FileName = "identities.json";
    public const string SecretsFolderName = "secrets";
    private const string LockFileName = "identities.lock";

    private IdentityStore(string folder) => Folder = folder;

    public string Folder { get; }

    public string IdentitiesPath => Path.Combine(Folder, FileName);

    public static IdentityStore Open(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, SecretsFolderName));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(folder, SecretsFolderName), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new IdentityStore(Path.GetFullPath(folder));
    }

    /// <summary>The secret file of <paramref name="name"/> in <paramref name="secretsFolder"/>.</summary>
    public static string SecretPath(string secretsFolder, string name) => Path.Combine(secretsFolder, $"{name}.secret");

    public string SecretsFolder => Path.Combine(Folder, SecretsFolderName);

    /// <summary>Every identity; an unreadable or malformed file throws <see cref="InvalidDataException"/> naming it and the problem.</summary>
    public IReadOnlyList<Identity> Load() => Read(IdentitiesPath);

    public static IReadOnlyList<Identity> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        List<Identity>? identities;
        try
        {
            identities = JsonSerializer.Deserialize(File.ReadAllBytes(path), AccessJsonContext.Default.ListIdentity);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid identity list: {e.Message}", e);
        }

        if (identities is null || identities.Any(i => i is null))
        {
            throw new InvalidDataException($"{path} holds a null identity");
        }

        foreach (var identity in identities)
        {
            if (identity.Problem() is { } problem)
            {
                throw new InvalidDataException($"{path}: {problem}");
            }
        }

        var duplicate = identities.GroupBy(i => i.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? identities : throw new InvalidDataException($"{path} lists identity {duplicate.Key} twice");
    }

    /// <summary>Adds a new identity with a new secret, which is written to its secret file and returned.</summary>
    public string Add(IdentityRole role, string name, string? site = null, string? deviceId = null, string? task = null)
    {
        using var _ = Lock();
        var identities = Load().ToList();
        if (identities.Any(i => i.Name == name))
        {
            throw new InvalidOperationException($"identity {name} exists already; revoke it first to replace its secret");
        }

        var secret = PasswordHashing.NewSecret();
        var identity = new Identity(name, role, PasswordHashing.Hash(secret), site, deviceId, task);
        if (identity.Problem() is { } problem)
        {
            throw new ArgumentException(problem);
        }

        WriteSecret(name, secret);
        identities.Add(identity);
        Save(identities);
        return secret;
    }

    /// <summary>Removes an identity, its secret and its client certificate; the brokers refuse it from their next check on. False if there was none.</summary>
    public bool Revoke(string name)
    {
        using var _ = Lock();
        var identities = Load().ToList();
        if (identities.RemoveAll(i => i.Name == name) == 0)
        {
            return false;
        }

        Save(identities);
        var (certificate, key) = BrokerCertificates.ClientCertificatePaths(SecretsFolder, name);
        File.Delete(SecretPath(SecretsFolder, name));
        File.Delete(certificate);
        File.Delete(key);
        return true;
    }

    /// <summary>The secret this machine holds for <paramref name="name"/>, or null.</summary>
    public string? ReadSecret(string name) => ReadSecretFile(SecretsFolder, name);

    public static string? ReadSecretFile(string secretsFolder, string name)
    {
        var path = SecretPath(secretsFolder, name);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    private void WriteSecret(string name, string secret)
    {
        var path = SecretPath(SecretsFolder, name);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        using var writer = new StreamWriter(file);
        writer.Write(secret);
        writer.Flush();
        FileFlush.ToDisk(file);
    }

    private void Save(List<Identity> identities)
    {
        Replace(IdentitiesPath, JsonSerializer.Serialize(identities, AccessJsonContext.Default.ListIdentity));
        Replace(Path.Combine(Folder, MosquittoAccessFiles.PasswordFileName), MosquittoAccessFiles.PasswordFile(identities));
        Replace(Path.Combine(Folder, MosquittoAccessFiles.AclFileName), MosquittoAccessFiles.AclFile(identities));
    }

    private static void Replace(string path, string text) => AtomicFile.Write(path, System.Text.Encoding.UTF8.GetBytes(text));

    private FileStream Lock() => new(Path.Combine(Folder, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
}

using System.Security.Cryptography;

namespace Pipeline.Protocol;

/// <summary>
/// The trainer's private model-signing key (ECDSA P-256), read from a PKCS#8 PEM file that only its owner may read,
/// never from a command line. Its id names its public key (<see cref="KeyIdOf"/>), so devices can trust several at once
/// while keys are rotated.
/// </summary>
public sealed class ModelSigningKey : IDisposable
{
    private ModelSigningKey(ECDsa key)
    {
        Key = key;
        KeyId = KeyIdOf(key);
    }

    public ECDsa Key { get; }

    public string KeyId { get; }

    /// <summary>The first 16 hex digits of the SHA-256 of the public key (SubjectPublicKeyInfo DER).</summary>
    public static string KeyIdOf(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    /// <summary>Reads the private key at <paramref name="path"/>; an unreadable or foreign file throws naming it.</summary>
    public static ModelSigningKey Load(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256)
            {
                throw new InvalidDataException($"{path} holds a {key.KeySize}-bit key; model signing uses ECDSA P-256");
            }

            key.ExportParameters(includePrivateParameters: true);
            return new ModelSigningKey(key);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"{path} is not an ECDSA P-256 private key in PEM: {e.Message}", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates a key pair when <paramref name="privatePath"/> does not exist yet (the private key there, readable by its
    /// owner only), and makes sure its public key is in <paramref name="trustedFolder"/> as "&lt;key id&gt;.pub", the
    /// form devices trust it in. Returns the private key.
    /// </summary>
    public static ModelSigningKey Ensure(string privatePath, string trustedFolder)
    {
        if (!File.Exists(privatePath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(privatePath))!);
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var writer = new StreamWriter(new FileStream(privatePath, options));
            writer.Write(created.ExportPkcs8PrivateKeyPem());
        }

        var key = Load(privatePath);
        var publicPath = Path.Combine(trustedFolder, $"{key.KeyId}.pub");
        if (!File.Exists(publicPath))
        {
            Directory.CreateDirectory(trustedFolder);
            File.WriteAllText(publicPath, key.Key.ExportSubjectPublicKeyInfoPem());
        }

        return key;
    }

    public void Dispose() => Key.Dispose();
}

using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Pipeline.Protocol;

/// <summary>
/// The public keys whose model signatures a device accepts: every "*.pub" file (SubjectPublicKeyInfo PEM, ECDSA
/// P-256) in one folder, keyed by id. More than one may be trusted at a time, which is how keys are rotated: trust the
/// new one, switch the trainer, then remove the old one. A file that is not such a key is skipped and named.
/// </summary>
public sealed class TrustedModelKeys : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys;

    private TrustedModelKeys(Dictionary<string, ECDsa> keys, IReadOnlyList<string> problems)
    {
        _keys = keys;
        Problems = problems;
    }

    public int Count => _keys.Count;

    /// <summary>Files in the folder that were not trusted, each with why.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Reads every "*.pub" in <paramref name="folder"/>; an empty or missing folder trusts nothing.</summary>
    public static TrustedModelKeys Load(string folder)
    {
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(folder) || !Directory.Exists(folder))
        {
            return new TrustedModelKeys(keys, problems);
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*.pub").Order(StringComparer.Ordinal))
        {
            var key = ECDsa.Create();
            try
            {
                key.ImportFromPem(File.ReadAllText(path));
                if (key.KeySize != 256)
                {
                    throw new CryptographicException($"a {key.KeySize}-bit key; model signing uses ECDSA P-256");
                }

                keys.TryAdd(ModelSigningKey.KeyIdOf(key), key);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException or IOException)
            {
                key.Dispose();
                problems.Add($"{path}: {e.Message}");
            }
        }

        return new TrustedModelKeys(keys, problems);
    }

    public bool TryGet(string keyId, [NotNullWhen(true)] out ECDsa? key) => _keys.TryGetValue(keyId, out key);

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }
}

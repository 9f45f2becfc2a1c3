using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Hosting.Access;

/// <summary>
/// Passwords as mosquitto 2.0's password file stores them: "$7$iterations$salt$hash", PBKDF2 with HMAC-SHA512, a
/// 12-byte salt and a 64-byte hash, both base64. One format serves both brokers, so the file rendered for mosquitto
/// and the embedded broker's check agree by construction. Secrets themselves are never stored beside the hashes.
/// </summary>
internal static class PasswordHashing
{
    private const int Iterations = 101;
    private const int SaltBytes = 12;
    private const int HashBytes = 64;

    /// <summary>A new random secret: 32 bytes, base64url, safe in a file, an environment variable and a config.</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, Iterations, HashAlgorithmName.SHA512, HashBytes);
        return $"$7${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>True when <paramref name="secret"/> matches <paramref name="stored"/>; false for any malformed stored value.</summary>
    public static bool Verify(string? secret, string stored)
    {
        var parts = stored.Split('$');
        if (secret is null || parts.Length != 5 || parts[1] != "7" || !int.TryParse(parts[2], out var iterations) || iterations is < 1 or > 1_000_000)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[3]);
            var expected = Convert.FromBase64String(parts[4]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Hosting.Access;

/// <summary>
/// The TLS material of a broker in one folder (by default `&lt;data&gt;/security/tls`): a private certificate authority
/// (`ca.crt`, whose key `ca.key` never leaves the folder) and the broker's certificate for localhost and 127.0.0.1
/// signed by it (`server.crt`, `server.key`), all PEM, keys readable by their owner only. Clients trust that CA alone
/// (<see cref="ValidateServer"/>), so they talk only to the broker whose certificate it signed. Created when missing;
/// the server certificate is renewed when less than 30 days of it are left. The same authority issues each identity a
/// client certificate named after it (<see cref="IssueClientCertificate"/>), for brokers that require one.
/// </summary>
public sealed record BrokerCertificates(string Folder)
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public string CaPath => Path.Combine(Folder, "ca.crt");

    public string CaKeyPath => Path.Combine(Folder, "ca.key");

    public string CertificatePath => Path.Combine(Folder, "server.crt");

    public string KeyPath => Path.Combine(Folder, "server.key");

    /// <summary>The certificates in <paramref name="folder"/>, created (or the server's renewed) as needed.</summary>
    public static BrokerCertificates Ensure(string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new BrokerCertificates(Path.GetFullPath(folder));
        if (!File.Exists(files.CaPath) || !File.Exists(files.CaKeyPath))
        {
            files.CreateAuthority();
        }

        if (!File.Exists(files.CertificatePath) || !File.Exists(files.KeyPath)
            || X509Certificate2.CreateFromPem(File.ReadAllText(files.CertificatePath)).NotAfter.ToUniversalTime() - DateTime.UtcNow < RenewBefore)
        {
            files.CreateServerCertificate();
        }

        return files;
    }

    /// <summary>The broker's certificate with its private key, for a TLS listener.</summary>
    public X509Certificate2 LoadServerCertificate() => X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);

    /// <summary>The certificate authority a client trusts, read from <paramref name="caPath"/>.</summary>
    public static X509Certificate2 LoadAuthority(string caPath) => X509Certificate2.CreateFromPem(File.ReadAllText(caPath));

    /// <summary>
    /// A client's check of the broker's certificate: its name must match the host asked for, and its chain must end at
    /// <paramref name="authority"/> and nowhere else (the machine's public roots are not trusted for this).
    /// </summary>
    public static bool ValidateServer(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 authority)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(certificate);
    }

    /// <summary>
    /// Issues <paramref name="name"/> a client certificate (CN = the identity's name, client authentication only, one
    /// year) into <paramref name="folder"/> as "&lt;name&gt;.crt" and "&lt;name&gt;.key" (readable by its owner only),
    /// unless a valid one with more than 30 days left is there already. Returns the certificate's path.
    /// </summary>
    public string IssueClientCertificate(string name, string folder)
    {
        var (certificatePath, keyPath) = ClientCertificatePaths(folder, name);
        if (File.Exists(certificatePath) && File.Exists(keyPath) && IsCurrentClientCertificate(certificatePath, name))
        {
            return certificatePath;
        }

        using var authority = LoadAuthorityWithKey();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthentication)], false));
        using var client = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-5), NotAfter(authority), RandomNumberGenerator.GetBytes(16));
        Directory.CreateDirectory(folder);
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        WritePublic(certificatePath, client.ExportCertificatePem());
        return certificatePath;
    }

    /// <summary>Where <paramref name="name"/>'s client certificate and key live in <paramref name="folder"/>.</summary>
    public static (string Certificate, string Key) ClientCertificatePaths(string folder, string name) =>
        (Path.Combine(folder, $"{name}.crt"), Path.Combine(folder, $"{name}.key"));

    /// <summary>
    /// A broker's check of a client's certificate: present, for client authentication, and chaining to
    /// <paramref name="authority"/> alone. Which identity it names is the access control's to check.
    /// </summary>
    public static bool ValidateClient(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 authority)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(certificate);
    }

    private bool IsCurrentClientCertificate(string path, string name)
    {
        using var existing = X509Certificate2.CreateFromPem(File.ReadAllText(path));
        using var authority = LoadAuthority(CaPath);
        return existing.Subject == $"CN={name}" && existing.NotAfter.ToUniversalTime() - DateTime.UtcNow >= RenewBefore
            && ValidateClient(existing, SslPolicyErrors.None, authority);
    }

    private X509Certificate2 LoadAuthorityWithKey()
    {
        using var authorityKey = ECDsa.Create();
        authorityKey.ImportFromPem(File.ReadAllText(CaKeyPath));
        using var authority = X509Certificate2.CreateFromPem(File.ReadAllText(CaPath));
        return authority.CopyWithPrivateKey(authorityKey);
    }

    private static DateTimeOffset NotAfter(X509Certificate2 authority)
    {
        var inAYear = DateTimeOffset.UtcNow.AddYears(1);
        return inAYear < authority.NotAfter.ToUniversalTime() ? inAYear : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
    }

    private void CreateAuthority()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Pipeline broker CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var authority = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        WritePrivate(CaKeyPath, key.ExportPkcs8PrivateKeyPem());
        WritePublic(CaPath, authority.ExportCertificatePem());
        File.Delete(CertificatePath);
    }

    private void CreateServerCertificate()
    {
        using var authority = LoadAuthorityWithKey();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-5), NotAfter(authority), RandomNumberGenerator.GetBytes(16));
        WritePrivate(KeyPath, key.ExportPkcs8PrivateKeyPem());
        WritePublic(CertificatePath, server.ExportCertificatePem());
    }

    private static void WritePublic(string path, string pem) => File.WriteAllText(path, pem);

    private static void WritePrivate(string path, string pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(new FileStream(path, options));
        writer.Write(pem);
    }
}

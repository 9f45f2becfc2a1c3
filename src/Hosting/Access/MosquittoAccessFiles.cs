using System.Text;

namespace Pipeline.Hosting.Access;

/// <summary>
/// Renders the identities and <see cref="TopicPolicy"/> as mosquitto's password file and ACL file, so mosquitto
/// enforces exactly what the embedded broker does. Pair them with "allow_anonymous false" and
/// "use_username_as_clientid true" (which binds each session to its identity) in the broker's configuration.
/// </summary>
public static class MosquittoAccessFiles
{
    public const string PasswordFileName = "mosquitto.passwd";
    public const string AclFileName = "mosquitto.acl";

    /// <summary>The configuration lines that switch a mosquitto listener to these files.</summary>
    public static IEnumerable<string> ConfigurationLines(string folder) =>
    [
        "allow_anonymous false",
        "use_username_as_clientid true",
        $"password_file {Path.Combine(folder, PasswordFileName)}",
        $"acl_file {Path.Combine(folder, AclFileName)}",
    ];

    public static string PasswordFile(IEnumerable<Identity> identities) =>
        string.Concat(identities.Select(identity => $"{identity.Name}:{identity.PasswordHash}\n"));

    public static string AclFile(IEnumerable<Identity> identities)
    {
        var text = new StringBuilder("# Rendered from Pipeline's topic policy; do not edit: `pipeline devices` rewrites it.\n");
        foreach (var identity in identities)
        {
            text.Append('\n').Append("user ").Append(identity.Name).Append('\n');
            foreach (var rule in TopicPolicy.Rules(identity))
            {
                var access = rule.Access switch
                {
                    TopicAccess.Read => "read",
                    TopicAccess.Write => "write",
                    _ => "readwrite",
                };
                text.Append("topic ").Append(access).Append(' ').Append(rule.Filter).Append('\n');
            }
        }

        return text.ToString();
    }
}

using System.CommandLine;
using System.Globalization;
using Pipeline.Hosting.Access;
using Pipeline.Protocol;
using Pipeline.Runner.Up;
using Pipeline.Tasks;

namespace Pipeline.Runner.Devices;

/// <summary>
/// `pipeline devices add|list|revoke`: the identities allowed on the broker, in `&lt;data&gt;/security` (the folder
/// `pipeline up` uses). Adding a device creates its secret in a file readable by its owner only, for the operator to
/// install on the device; the brokers pick up every change (the embedded one on the next connection, mosquitto on
/// SIGHUP, from the password and ACL files rewritten beside the identities).
/// </summary>
internal static class DevicesCommand
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitBadArguments = 2;

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The data folder whose security/ holds the identities.", DefaultValueFactory = _ => "data" };
        var id = new Option<string>("--id") { Description = "The device id, as the device uses it in its topics.", Required = true };
        var site = new Option<string>("--site") { Description = "The device's site.", DefaultValueFactory = _ => Topics.DefaultSite };
        var task = new Option<string>("--task") { Description = $"The task the device feeds: {string.Join(" or ", TaskRegistry.BuiltIn.Names)}.", Required = true };

        var add = new Command("add", "Create a device identity and its secret.") { id, site, task, data };
        add.SetAction(parse => Run("add", parse.GetValue(data)!, store =>
        {
            var name = Identity.DeviceName(parse.GetValue(site)!, parse.GetValue(id)!);
            // The task must be one this build knows (an unknown one throws ArgumentException: exit 2, naming the known ones);
            // an identity itself only needs a task name that can be a topic segment, so a host that registers a task of its own takes its devices.
            TaskRegistry.BuiltIn.Find(parse.GetValue(task)!);
            store.Add(IdentityRole.Device, name, parse.GetValue(site), parse.GetValue(id), parse.GetValue(task));
            Console.WriteLine($"added {name}: its secret is in {IdentityStore.SecretPath(store.SecretsFolder, name)}; install it on the device as "
                + "Broker:CredentialsFolder (or PIPELINE_Broker__Password) and delete it here once installed");
            var tls = new BrokerCertificates(LoopIdentities.TlsFolder(parse.GetValue(data)!));
            if (File.Exists(tls.CaKeyPath))
            {
                Console.WriteLine($"its client certificate for mutual TLS is {tls.IssueClientCertificate(name, store.SecretsFolder)}, with its key beside it; install both in the same folder");
            }
            Console.WriteLine($"mosquitto: {MosquittoAccessFiles.PasswordFileName} and {MosquittoAccessFiles.AclFileName} in {store.Folder} are rewritten; send mosquitto SIGHUP to apply");
        }));

        var json = new Option<bool>("--json") { Description = "One JSON array instead of a table." };
        var list = new Command("list", "List the identities.") { data, json };
        list.SetAction(parse => Run("list", parse.GetValue(data)!, store =>
        {
            var identities = store.Load();
            if (parse.GetValue(json))
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(identities.Select(i => new IdentityListing(i.Name, i.Role.ToString().ToLowerInvariant(), i.Site, i.DeviceId, i.Task,
                    store.ReadSecret(i.Name) is not null)).ToList(), DevicesJsonContext.Default.ListIdentityListing));
                return;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"name",-32} {"role",-8} {"site",-12} {"device",-16} {"task",-8} secret here"));
            foreach (var identity in identities)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{identity.Name,-32} {identity.Role.ToString().ToLowerInvariant(),-8} {identity.Site ?? "-",-12} {identity.DeviceId ?? "-",-16} {identity.Task ?? "-",-8} {(store.ReadSecret(identity.Name) is null ? "no" : "yes")}"));
            }
        }));

        var revoke = new Command("revoke", "Remove a device identity: the brokers refuse it from then on.") { id, site, data };
        revoke.SetAction(parse => Run("revoke", parse.GetValue(data)!, store =>
        {
            var name = Identity.DeviceName(parse.GetValue(site)!, parse.GetValue(id)!);
            if (!store.Revoke(name))
            {
                throw new InvalidOperationException($"there is no identity {name}");
            }

            Console.WriteLine($"revoked {name}; send mosquitto SIGHUP to apply there");
        }));

        return new Command("devices", "Manage the identities allowed on the broker.") { add, list, revoke };
    }

    private static int Run(string verb, string dataFolder, Action<IdentityStore> action)
    {
        try
        {
            action(IdentityStore.Open(LoopIdentities.Folder(dataFolder)));
            return ExitOk;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"pipeline devices {verb}: {e.Message}");
            return ExitBadArguments;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"pipeline devices {verb}: {e.Message}");
            return ExitFailed;
        }
    }
}

using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Pipeline.Hosting.Access;

/// <summary>
/// Makes the embedded broker enforce the identities and <see cref="TopicPolicy"/>: a client must present an identity's
/// name and secret (and, under mutual TLS, a client certificate naming that identity), its client id must be that name (so nobody can take over another's persistent session), and each
/// publish and subscribe is checked against the policy. Identities are re-read when their file changes (looked at on
/// every connection, and at most once a second for publishes and subscriptions), so a revoked identity is refused from
/// its next connection on, and within a second on a connection it already holds.
/// </summary>
internal sealed class BrokerAccessControl
{
    private static readonly TimeSpan ReloadCheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Dictionary<string, Identity> _identities = new(StringComparer.Ordinal);
    private DateTime _loadedWriteTime = DateTime.MinValue;
    private DateTime _nextCheck = DateTime.MinValue;

    public BrokerAccessControl(string identitiesPath, ILogger logger)
    {
        _path = identitiesPath;
        _logger = logger;
        Current(force: true);
    }


    public Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        // Connections are rare: each one looks at the file, so a revocation holds from the very next connection.
        var identities = Current(checkNow: true);
        if (string.IsNullOrEmpty(args.UserName) || !identities.TryGetValue(args.UserName, out var identity) || !PasswordHashing.Verify(args.Password, identity.PasswordHash))
        {
            args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            _logger.LogWarning("connection of client {ClientId} refused: unknown user or wrong secret ({User})", args.ClientId, args.UserName ?? "anonymous");
            return Task.CompletedTask;
        }

        if (args.ClientCertificate is { } certificate && certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false) != identity.Name)
        {
            // A valid certificate proves the authority issued it, not to whom: it must name the identity it comes with.
            args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            args.ReasonString = $"the client certificate is not {identity.Name}'s";
            _logger.LogWarning("connection of {User} refused: its client certificate names {Subject}", identity.Name, certificate.Subject);
            return Task.CompletedTask;
        }

        if (args.ClientId != identity.Name)
        {
            args.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            args.ReasonString = $"identity {identity.Name} may only connect as client id {identity.Name}";
            _logger.LogWarning("connection of {User} refused: it asked for client id {ClientId}", identity.Name, args.ClientId);
        }

        return Task.CompletedTask;
    }

    /// <summary>Refuses a publish the sender's identity may not make; true if refused.</summary>
    public bool RefuseIfNotAllowed(InterceptingPublishEventArgs args)
    {
        if (Current().TryGetValue(args.UserName ?? "", out var identity) && TopicPolicy.CanPublish(identity, args.ApplicationMessage.Topic))
        {
            return false;
        }

        args.ProcessPublish = false;
        args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        args.Response.ReasonString = $"{args.UserName} may not publish to {args.ApplicationMessage.Topic}";
        _logger.LogWarning("publish by {User} to {Topic} refused", args.UserName ?? "anonymous", args.ApplicationMessage.Topic);
        return true;
    }

    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        var filter = args.TopicFilter.Topic;
        if (!Current().TryGetValue(args.UserName ?? "", out var identity) || !TopicPolicy.CanSubscribe(identity, filter))
        {
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            args.ProcessSubscription = false;
            _logger.LogWarning("subscription by {User} to {Filter} refused", args.UserName ?? "anonymous", filter);
        }

        return Task.CompletedTask;
    }

    private Dictionary<string, Identity> Current(bool force = false, bool checkNow = false)
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            if (!force && !checkNow && now < _nextCheck)
            {
                return _identities;
            }

            _nextCheck = now + ReloadCheckInterval;
            var writeTime = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path) : DateTime.MinValue;
            if (!force && writeTime == _loadedWriteTime)
            {
                return _identities;
            }

            try
            {
                _identities = IdentityStore.Read(_path).ToDictionary(i => i.Name, StringComparer.Ordinal);
                _loadedWriteTime = writeTime;
                _logger.LogInformation("broker access: {Count} identities from {Path}", _identities.Count, _path);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                // A broken file must not open the broker: keep the last good identities (none at all at start).
                _logger.LogError("broker access: keeping the previous {Count} identities: {Error}", _identities.Count, e.Message);
            }

            return _identities;
        }
    }
}

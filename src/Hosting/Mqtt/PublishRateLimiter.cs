using System.Collections.Concurrent;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// A token bucket per client: each may publish <c>perSecond</c> messages a second on average, in bursts of up
/// to <c>burst</c>. A publish beyond it is refused with "quota exceeded", which our publishers treat as "keep
/// it and retry later", so one noisy or hostile client slows only itself, never the broker or the other clients.
/// </summary>
internal sealed class PublishRateLimiter(double perSecond, double burst, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes a token for the sender of <paramref name="args"/>, or refuses the publish; true if refused.</summary>
    public bool RefuseIfOverRate(InterceptingPublishEventArgs args)
    {
        var bucket = _buckets.GetOrAdd(args.ClientId ?? "", _ => new Bucket(burst, time.GetTimestamp()));
        lock (bucket)
        {
            var now = time.GetTimestamp();
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (time.GetElapsedTime(bucket.Refilled, now).TotalSeconds * perSecond));
            bucket.Refilled = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens--;
                return false;
            }
        }

        args.ProcessPublish = false;
        args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
        args.Response.ReasonString = $"client {args.ClientId} is over its rate of {perSecond:0} messages a second; publish again later";
        return true;
    }

    /// <summary>Forgets a client that left, so the table holds only clients the broker knows.</summary>
    public void Forget(string clientId) => _buckets.TryRemove(clientId, out _);

    private sealed class Bucket(double tokens, long refilled)
    {
        public double Tokens { get; set; } = tokens;

        public long Refilled { get; set; } = refilled;
    }
}

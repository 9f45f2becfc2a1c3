using Pipeline.Protocol;

namespace Pipeline.Tasks;

/// <summary>Why a task refused a message; <see cref="Code"/> is a stable tag for metrics, <see cref="Reason"/> is for people.</summary>
public sealed record TaskRefusal(string Code, string Reason)
{
    public static TaskRefusal From(DecodeError error) => new(error.Code.ToString(), error.ToString());
}

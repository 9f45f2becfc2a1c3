namespace Pipeline.Protocol;

/// <summary>Why a payload could not be decoded; <see cref="Code"/> is stable, <see cref="Message"/> is for people.</summary>
public sealed record DecodeError(DecodeErrorCode Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}

public enum DecodeErrorCode
{
    Truncated,
    BadMagic,
    UnsupportedVersion,
    WrongMessageType,
    BadLength,
    Oversize,
    InvalidValue,
    NotFinite,
    MalformedJson,
}

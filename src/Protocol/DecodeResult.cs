using System.Diagnostics.CodeAnalysis;

namespace Pipeline.Protocol;

/// <summary>The outcome of decoding untrusted bytes: a value or an error, never an exception.</summary>
public readonly struct DecodeResult<T> where T : class
{
    private DecodeResult(T? value, DecodeError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public DecodeError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Value is not null;

    public static DecodeResult<T> Ok(T value) => new(value, null);

    public static DecodeResult<T> Fail(DecodeErrorCode code, string message) => new(null, new DecodeError(code, message));

    public static implicit operator DecodeResult<T>(DecodeError error) => new(null, error);
}

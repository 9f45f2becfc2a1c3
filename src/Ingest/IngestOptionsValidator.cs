using Microsoft.Extensions.Options;
using Pipeline.Protocol;

namespace Pipeline.Ingest;

/// <summary>Refuses impossible ingest settings at start, naming each setting and what it must be.</summary>
public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataFolder))
        {
            errors.Add("Ingest:DataFolder is empty");
        }

        if (!Identifiers.IsValid(options.ClientId))
        {
            errors.Add($"Ingest:ClientId \"{options.ClientId}\" must be {Identifiers.Rule}");
        }

        if (options.SharedSubscriptionGroup.Length > 0 && !Identifiers.IsValid(options.SharedSubscriptionGroup))
        {
            errors.Add($"Ingest:SharedSubscriptionGroup \"{options.SharedSubscriptionGroup}\" must be empty or {Identifiers.Rule}");
        }

        Range(errors, "ReceiveQueueCapacity", options.ReceiveQueueCapacity, 1, 1_000_000);
        Range(errors, "WriteQueueCapacity", options.WriteQueueCapacity, 1, 1_000_000);
        Range(errors, "BatchSize", options.BatchSize, 1, 100_000);
        Range(errors, "InFlightMessages", options.InFlightMessages, 1, ushort.MaxValue);
        Range(errors, "BatchMaxDelayMilliseconds", options.BatchMaxDelayMilliseconds, 0, 60_000);
        Range(errors, "MaxPayloadBytes", options.MaxPayloadBytes, 1, 256 * 1024 * 1024);
        Range(errors, "QuarantinePayloadBytes", options.QuarantinePayloadBytes, 0, 1024 * 1024);
        Range(errors, "MaxFutureSkewSeconds", options.MaxFutureSkewSeconds, 0, 365 * 24 * 3600);
        Range(errors, "StoreAttemptTimeoutMilliseconds", options.StoreAttemptTimeoutMilliseconds, 10, 24 * 3600 * 1000);
        Range(errors, "StoreRetryAttempts", options.StoreRetryAttempts, 0, 100);
        Range(errors, "StoreRetryBaseDelayMilliseconds", options.StoreRetryBaseDelayMilliseconds, 1, 3600 * 1000);
        Range(errors, "StoreRetryMaxDelayMilliseconds", options.StoreRetryMaxDelayMilliseconds, options.StoreRetryBaseDelayMilliseconds, 3600 * 1000);
        Range(errors, "StoreCircuitMinimumThroughput", options.StoreCircuitMinimumThroughput, 2, 1_000_000);
        Range(errors, "StoreCircuitSamplingMilliseconds", options.StoreCircuitSamplingMilliseconds, 500, 24 * 3600 * 1000);
        Range(errors, "StoreCircuitBreakMilliseconds", options.StoreCircuitBreakMilliseconds, 500, 24 * 3600 * 1000);
        if (!(options.StoreCircuitFailureRatio > 0 && options.StoreCircuitFailureRatio <= 1))
        {
            errors.Add($"Ingest:StoreCircuitFailureRatio {options.StoreCircuitFailureRatio} must be above 0 and at most 1");
        }

        if (options.SpillSegmentBytes < 4096 || options.SpillSegmentBytes > int.MaxValue)
        {
            errors.Add($"Ingest:SpillSegmentBytes {options.SpillSegmentBytes} is outside 4096..{int.MaxValue}");
        }

        if (options.SpillMaxBytes < options.SpillSegmentBytes)
        {
            errors.Add($"Ingest:SpillMaxBytes {options.SpillMaxBytes} is below Ingest:SpillSegmentBytes {options.SpillSegmentBytes}");
        }

        if (options.QuarantineMaxFileBytes < 4096)
        {
            errors.Add($"Ingest:QuarantineMaxFileBytes {options.QuarantineMaxFileBytes} is below 4096");
        }

        if (options.MinTimestampMicros < 0)
        {
            errors.Add($"Ingest:MinTimestampMicros {options.MinTimestampMicros} is negative");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(List<string> errors, string setting, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"Ingest:{setting} {value} is outside {min}..{max}");
        }
    }
}

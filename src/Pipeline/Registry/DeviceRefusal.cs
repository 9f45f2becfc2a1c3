namespace Pipeline.Runner.Registry;

/// <summary>A device that refused a model, and its reason.</summary>
internal sealed record DeviceRefusal(string DeviceId, string Reason);

using Microsoft.Extensions.Options;
using Pipeline.EdgeAgent.Devices;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>Checks the fleet at host start against the device kinds this host knows, naming every problem.</summary>
internal sealed class EdgeAgentFleetValidation(DeviceKindRegistry kinds) : IValidateOptions<EdgeAgentFleetOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeAgentFleetOptions options) =>
        options.Problems(kinds) is { Count: > 0 } errors ? ValidateOptionsResult.Fail(string.Join("; ", errors)) : ValidateOptionsResult.Success;
}

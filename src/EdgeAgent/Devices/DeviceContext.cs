using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation;
using Pipeline.Tasks;

namespace Pipeline.EdgeAgent.Devices;

/// <summary>What a device's streamer works with: the agent's options, the task it feeds, its outbox, its clock, its telemetry and its log.</summary>
internal sealed record DeviceContext(EdgeAgentOptions Options, ILearningTask Task, DiskOutbox Outbox, SimulatedClock Clock, AgentTelemetry Telemetry, ILogger Logger);

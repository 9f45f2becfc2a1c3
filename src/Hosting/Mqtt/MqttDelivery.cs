namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// A message delivered to a manually acknowledged subscription (<see cref="MqttConnection.SubscribeManuallyAcknowledgedAsync"/>).
/// The broker counts it as in flight until <see cref="AcknowledgeAsync"/> is called; one never acknowledged is
/// redelivered to the persistent session after the next reconnect.
/// </summary>
public sealed class MqttDelivery
{
    private readonly Func<CancellationToken, Task> _acknowledge;
    private int _acknowledged;

    internal MqttDelivery(MqttIncomingMessage message, Func<CancellationToken, Task> acknowledge)
    {
        Message = message;
        _acknowledge = acknowledge;
    }

    public MqttIncomingMessage Message { get; }

    /// <summary>
    /// Sends the PUBACK (once; later calls do nothing). Never throws for a lost connection: the broker then
    /// redelivers the message, which receivers de-duplicate anyway.
    /// </summary>
    public Task AcknowledgeAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _acknowledged, 1) == 0 ? _acknowledge(cancellationToken) : Task.CompletedTask;
}

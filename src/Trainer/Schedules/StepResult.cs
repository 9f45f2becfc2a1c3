namespace Pipeline.Trainer.Schedules;

/// <summary>One minibatch's update: its epoch, loss and size.</summary>
public readonly record struct StepResult(int Epoch, double Loss, int Samples);

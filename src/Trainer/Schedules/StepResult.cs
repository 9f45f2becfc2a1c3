namespace Pipeline.Trainer.Schedules;

/// <summary>One minibatch's update: its epoch, loss, size and how many of its examples the forward pass classified correctly.</summary>
public readonly record struct StepResult(int Epoch, double Loss, int Samples, int Correct = 0);

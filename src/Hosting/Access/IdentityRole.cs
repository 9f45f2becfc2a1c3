namespace Pipeline.Hosting.Access;

/// <summary>What an identity is for; its role decides its topics (<see cref="TopicPolicy"/>).</summary>
public enum IdentityRole
{
    /// <summary>An edge device: writes under its own site and device, reads its task's models.</summary>
    Device,

    /// <summary>Ingest: reads every device's motion, frames, labels and status; writes nothing.</summary>
    Ingest,

    /// <summary>The trainer: the only writer of models.</summary>
    Trainer,

    /// <summary>A read-only view for people (the dashboard, `pipeline status`): reads every device's status and predictions and each task's model manifest; writes nothing.</summary>
    Observer,
}

namespace Pipeline.Trainer.UserData;

/// <summary>What a user's data holds, which decides the default model.</summary>
public enum UserDataKind
{
    /// <summary>Multichannel windows from a CSV file: [channels × samples].</summary>
    Windows,

    /// <summary>Images from a folder per class, resampled to [1 × 64 × 64] grayscale.</summary>
    Images,
}

namespace Pipeline.Trainer.UserData;

/// <summary>A user's data file is malformed; the message names the file and, where there is one, the line.</summary>
public sealed class UserDataFormatException : Exception
{
    public UserDataFormatException(string path, int? line, string problem)
        : base(line is { } l ? $"{path}:{l}: {problem}" : $"{path}: {problem}")
    {
        Path = path;
        Line = line;
    }

    public UserDataFormatException(string path, string problem, Exception inner)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }

    public string Path { get; }

    public int? Line { get; }
}

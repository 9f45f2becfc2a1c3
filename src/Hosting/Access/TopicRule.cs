namespace Pipeline.Hosting.Access;

/// <summary>One grant: <paramref name="Filter"/> (MQTT wildcards allowed) may be read, written, or both.</summary>
internal sealed record TopicRule(TopicAccess Access, string Filter);

[Flags]
internal enum TopicAccess
{
    Read = 1,
    Write = 2,
    ReadWrite = Read | Write,
}

namespace Pipeline.EndToEnd.Tests.ThirdTask;

/// <summary>A run of tank-level readings from one device: the third kind of sensor data, defined only in this folder.</summary>
internal sealed record LevelReading(string DeviceId, uint StreamId, ulong Sequence, long TimestampMicros, float[] Levels);

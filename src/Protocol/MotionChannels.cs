namespace Pipeline.Protocol;

/// <summary>The eight channels of a golf-club motion sample, in wire order.</summary>
public static class MotionChannels
{
    public const int Count = 8;

    public const int Strain1 = 0;
    public const int Strain2 = 1;
    public const int AccelX = 2;
    public const int AccelY = 3;
    public const int AccelZ = 4;
    public const int GyroX = 5;
    public const int GyroY = 6;
    public const int GyroZ = 7;

    /// <summary>Names and units, used in the store schema and in docs.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["strain1", "strain2", "accel_x", "accel_y", "accel_z", "gyro_x", "gyro_y", "gyro_z"];

    /// <summary>Accelerometer in g, gyroscope in degrees per second, strain in microstrain: far beyond these is a broken sensor.</summary>
    public static float Limit(int channel) => channel switch
    {
        Strain1 or Strain2 => 20_000f,
        AccelX or AccelY or AccelZ => 400f,
        _ => 10_000f,
    };
}

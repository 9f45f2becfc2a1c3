namespace Pipeline.Simulation.Golf;

/// <summary>
/// A swing shape's mechanics: <see cref="FaceRotation"/> is how fast the face closes (rotation about the shaft,
/// relative to the swing's angular velocity), <see cref="PathTilt"/> how far the path leaves the swing plane
/// (in-to-out positive), <see cref="Droop"/> how much the shaft bows toe-down, and <see cref="StrikeOffset"/>
/// where on the face the ball is met (heel negative, toe positive), which twists the shaft at impact.
/// </summary>
public sealed record SwingShape(string Name, double FaceRotation, double PathTilt, double Droop, double StrikeOffset);

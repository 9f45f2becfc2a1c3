using System.Runtime.InteropServices;

namespace Pipeline.Bench.Edge;

/// <summary>
/// Processor time (user + system) of the child processes already waited for, from Linux's getrusage(RUSAGE_CHILDREN):
/// a child's own time can no longer be read through <see cref="System.Diagnostics.Process"/> once it has exited.
/// </summary>
internal static partial class ChildProcessorTime
{
    private const int RusageChildren = -1;

    public static TimeSpan Total()
    {
        if (GetResourceUsage(RusageChildren, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed with errno {Marshal.GetLastPInvokeError()}");
        }

        return TimeSpan.FromSeconds(usage.UserSeconds + usage.SystemSeconds) + TimeSpan.FromMicroseconds(usage.UserMicroseconds + usage.SystemMicroseconds);
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetResourceUsage(int who, out ResourceUsage usage);

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs this bench does not read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
    }
}

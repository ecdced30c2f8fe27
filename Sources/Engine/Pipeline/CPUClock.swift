#if canImport(Glibc)
import Glibc
#endif

/// CPU time of the calling thread, for the per-window cost the monitor reports: the
/// work itself, not the time spent waiting for audio or for a busy machine.
public enum CPUClock {
    public static func threadSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}

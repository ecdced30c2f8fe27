#if canImport(Glibc)
import Glibc
#endif

/// The clocks the engine and the CLI read, in one place, each for one purpose.
public enum Clocks {
    /// Seconds on a clock that never jumps: for intervals only (stall timeouts, step timings).
    public static func monotonicSeconds() -> Double {
        seconds(CLOCK_MONOTONIC)
    }

    /// CPU time of the calling thread, for the per-window cost the monitor reports: the
    /// work itself, not the time spent waiting for audio or for a busy machine.
    static func threadCPUSeconds() -> Double {
        seconds(CLOCK_THREAD_CPUTIME_ID)
    }

    /// Seconds since the epoch: the wall clock of time stamps.
    public static func wallSeconds() -> Double {
        seconds(CLOCK_REALTIME)
    }

    private static func seconds(_ clock: clockid_t) -> Double {
        var now = timespec()
        clock_gettime(clock, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}

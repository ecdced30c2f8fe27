import Synchronization

/// Set from a signal handler (SIGINT, SIGTERM, SIGHUP) and polled by the read loops,
/// so that a stop finishes the current window line instead of cutting it.
public enum StopRequest {
    private static let flag = Atomic<Int32>(0)

    /// The signal that asked for the stop, or 0.
    public static var signal: Int32 { flag.load(ordering: .relaxed) }
    public static var isSet: Bool { signal != 0 }

    /// Async-signal-safe: a single atomic store.
    public static func set(signal: Int32) {
        flag.store(signal, ordering: .relaxed)
    }

    /// For tests that run several pipelines in one process.
    public static func reset() {
        flag.store(0, ordering: .relaxed)
    }
}

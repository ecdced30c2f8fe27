import Engine
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The live monitor: a sink for window results that keeps counters and the last
/// 30 minutes of windows, and serves them over HTTP (`/metrics`, `/api/recent`,
/// `/api/current` and the page at `/`) from a thread of its own.
///
/// The CLI's loop calls `record(_:)` once per window; it takes the lock for a few
/// stores into storage allocated here, so the audio path never waits on a request
/// for longer than it takes to copy the counters. Nothing runs, and no socket is
/// open, until `start(listen:)`.
public final class LiveMonitor: Sendable {
    /// The model's labels, then `silence` when the model has none of that name: every value the label gauge takes.
    public let labels: [String]
    public let model: String
    /// The stream's name (`--name`): a `stream` label on every metric, the page's title; nil without one.
    public let stream: String?
    /// Seconds between window starts in this run.
    public let hopSeconds: Double
    /// Windows kept for `/api/recent`: 30 minutes at this hop, at most `maxRecentWindows`.
    public let recentCapacity: Int
    private let labelIndex: [String: Int16]
    private let state: Mutex<LiveState>
    private let server = Mutex<MonitorHTTPServer?>(nil)

    /// How far back the page's timeline reaches.
    public static let timelineSeconds = 30.0 * 60
    /// Caps the ring at about 300 KB; at hops under 0.25 s the timeline then covers less than 30 minutes.
    public static let maxRecentWindows = 7200

    public init(labels: [String], hopSeconds: Double, model: String, stream: String? = nil) {
        precondition(hopSeconds > 0, "a hop is a positive number of seconds")
        let all = labels.contains("silence") ? labels : labels + ["silence"]
        precondition(all.count < Int(Int16.max), "label indices are stored in 16 bits")
        self.labels = all
        self.model = model
        self.stream = stream
        self.hopSeconds = hopSeconds
        recentCapacity = max(1, min(LiveMonitor.maxRecentWindows, Int((LiveMonitor.timelineSeconds / hopSeconds).rounded(.up))))
        var index: [String: Int16] = [:]
        for (i, label) in all.enumerated() where index[label] == nil { index[label] = Int16(i) }
        labelIndex = index
        state = Mutex(LiveState(labelCount: all.count, recentCapacity: recentCapacity))
    }

    /// Binds `listen` and serves on a thread of its own; returns the bound address
    /// (the kernel's port when `listen.port` is 0). Throws `.unavailable` when the
    /// address cannot be bound.
    @discardableResult
    public func start(listen: ListenAddress) throws(MonitorError) -> ListenAddress {
        let started = try MonitorHTTPServer(address: listen, monitor: self)
        server.withLock { old in
            old?.close()
            old = started
        }
        return started.boundAddress
    }

    /// Closes the listener and ends its thread (for tests; the CLI just exits).
    public func stop() {
        server.withLock { current in
            current?.close()
            current = nil
        }
    }

    /// Records one window. Called on the audio thread: no allocation, one short lock.
    /// `wallSeconds`: the window event's stamp, the one every sink reads.
    public func record(_ result: WindowResult, wallSeconds: Double = Clocks.wallSeconds()) {
        let record = WindowRecord(
            wallSeconds: wallSeconds, startSeconds: result.startSeconds, endSeconds: result.endSeconds,
            confidence: result.confidence.map(Float.init) ?? .nan, levelDBFS: Float(result.levelDBFS),
            label: result.label.flatMap { labelIndex[$0] } ?? -1, rawLabel: result.rawLabel.flatMap { labelIndex[$0] } ?? -1)
        state.withLock {
            $0.record(record, newSeconds: result.newSeconds, gaps: result.gaps,
                      frontendSeconds: result.frontendSeconds, networkSeconds: result.networkSeconds, loudness: result.loudness)
        }
    }

    /// The stall watchdog saw no audio for its timeout (a stall event): counted now, so
    /// that the scrape shows it while the stall lasts.
    public func recordStall() {
        state.withLock { $0.stall() }
    }

    /// Audio flows again after a stall (a window arriving also says so).
    public func recordResumed() {
        state.withLock { $0.resume() }
    }

    /// A copy of the counters, consistent with each other.
    public func counters() -> LiveCounters {
        state.withLock { $0.counters }
    }

    /// The newest `n` windows, oldest first.
    public func recent(_ n: Int) -> [WindowRecord] {
        state.withLock { $0.recent.newest(n) }
    }
}

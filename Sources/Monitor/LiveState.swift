import Engine

/// Everything the monitor knows, as the audio thread left it: counters since the
/// start, the current window's values, and the recent windows.
///
/// Lives inside the monitor's lock. Every array is allocated at its full size at
/// start-up, so recording a window only writes into existing storage.
struct LiveState: Sendable {
    var windows = 0
    /// Audio seconds per label (index as in the monitor's `labels`), by smoothed label.
    var labelSeconds: [Double]
    var audioSeconds = 0.0
    var gaps = 0
    var stalls = 0
    /// True from a stall until audio resumes.
    var stalled = false
    var frontendSeconds = 0.0
    var networkSeconds = 0.0
    /// The newest window's loudness (`--loudness`); nil when not measured.
    var loudness: Loudness?
    var recent: RecentWindows

    init(labelCount: Int, recentCapacity: Int) {
        labelSeconds = [Double](repeating: 0, count: labelCount)
        recent = RecentWindows(capacity: recentCapacity)
    }

    mutating func record(_ window: WindowRecord, newSeconds: Double, gaps: Int,
                         frontendSeconds: Double, networkSeconds: Double, loudness: Loudness? = nil) {
        windows += 1
        self.loudness = loudness
        if window.label >= 0 { labelSeconds[Int(window.label)] += newSeconds }
        audioSeconds += newSeconds
        self.gaps += gaps
        // A window means audio arrived: whatever stall there was is over.
        stalled = false
        self.frontendSeconds += frontendSeconds
        self.networkSeconds += networkSeconds
        recent.append(window)
    }

    mutating func stall() {
        stalls += 1
        stalled = true
    }

    mutating func resume() {
        stalled = false
    }

    /// The counters without the ring, in storage of their own: a copy that shared
    /// `labelSeconds` would make the next window's write copy it on the audio thread.
    var counters: LiveCounters {
        LiveCounters(windows: windows, labelSeconds: labelSeconds.map { $0 }, audioSeconds: audioSeconds, gaps: gaps,
                     stalls: stalls, stalled: stalled, frontendSeconds: frontendSeconds, networkSeconds: networkSeconds,
                     current: recent.newest, loudness: loudness)
    }
}

/// A consistent copy of the monitor's counters, taken under its lock, for one response.
public struct LiveCounters: Sendable {
    public var windows: Int
    public var labelSeconds: [Double]
    public var audioSeconds: Double
    public var gaps: Int
    public var stalls: Int
    public var stalled: Bool
    public var frontendSeconds: Double
    public var networkSeconds: Double
    /// The newest window; nil before the first.
    public var current: WindowRecord?
    /// The newest window's loudness (`--loudness`); nil when not measured.
    public var loudness: Loudness? = nil
}

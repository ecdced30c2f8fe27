/// One window as the live page and `/api/recent` need it: a compact value, so that
/// the ring holds 30 minutes of windows in a few hundred kilobytes.
public struct WindowRecord: Sendable, Equatable {
    /// Wall clock (seconds since the Unix epoch) when the window was recorded.
    public var wallSeconds: Double
    /// Position of the window in its source's audio.
    public var startSeconds: Double
    public var endSeconds: Double
    /// Smoothed confidence; NaN where there is none (silence, tags only).
    public var confidence: Float
    public var levelDBFS: Float
    /// Indices into the monitor's `labels`; -1 where the window has no label (tags only).
    public var label: Int16
    public var rawLabel: Int16

    public init(wallSeconds: Double, startSeconds: Double, endSeconds: Double, confidence: Float, levelDBFS: Float,
                label: Int16, rawLabel: Int16) {
        self.wallSeconds = wallSeconds
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.confidence = confidence
        self.levelDBFS = levelDBFS
        self.label = label
        self.rawLabel = rawLabel
    }

    static let empty = WindowRecord(wallSeconds: 0, startSeconds: 0, endSeconds: 0, confidence: .nan, levelDBFS: 0,
                                    label: -1, rawLabel: -1)
}

/// The last `capacity` windows, oldest overwritten first.
///
/// The storage is allocated once, at its full size: appending never allocates, and
/// memory stays the same however long the stream runs.
public struct RecentWindows: Sendable {
    private var records: [WindowRecord]
    /// Where the next record goes.
    private var next = 0
    public private(set) var count = 0
    public var capacity: Int { records.count }

    public init(capacity: Int) {
        precondition(capacity > 0, "a ring needs room for one window")
        records = [WindowRecord](repeating: .empty, count: capacity)
    }

    public mutating func append(_ record: WindowRecord) {
        records[next] = record
        next = next + 1 == records.count ? 0 : next + 1
        count = min(count + 1, records.count)
    }

    /// The newest `n` records (all of them when `n` is larger), oldest first.
    ///
    /// A fresh array, element by element: sharing the ring's storage would make the
    /// next `append` copy all of it.
    public func newest(_ n: Int) -> [WindowRecord] {
        let n = max(0, min(n, count))
        var out: [WindowRecord] = []
        out.reserveCapacity(n)
        var i = (next - n + records.count) % records.count
        for _ in 0..<n {
            out.append(records[i])
            i = i + 1 == records.count ? 0 : i + 1
        }
        return out
    }

    public var newest: WindowRecord? { count == 0 ? nil : records[(next - 1 + records.count) % records.count] }
}

import Engine

/// A stretch of the stream with one smoothed label: what a monitor logs instead of
/// (or beside) the window lines, one line per change.
public struct Segment: Sendable, Equatable {
    public var source: String
    /// Segments before it in this input.
    public var index: Int
    public var label: String
    public var kind: WindowResult.Kind
    /// Stream seconds: from where its first window's new audio begins to its last window's end,
    /// so that consecutive segments tile the stream.
    public var startSeconds: Double
    public var endSeconds: Double
    public var windows: Int
    /// Mean of its windows' smoothed confidence; nil for silence.
    public var meanConfidence: Double?
    /// Wall clock (seconds since the epoch) when its first window's audio began and its last ended,
    /// as seen when each window's result was computed.
    public var startWallSeconds: Double
    public var endWallSeconds: Double
    /// Cut by the end of the input (or a stop), not by a change of label.
    public var isFinal: Bool
    /// How it began: "start" (the input's first, or the first after a stall), a song's
    /// start (`SongStart`: "boundary", "after_talk", "after_silence"), or "label_change".
    public var startedBy: String = "start"
    /// Its integrated loudness and range (`--loudness`); nil when not measured.
    public var loudness: StretchLoudness? = nil

    /// Whether `result` begins a new segment after a window labelled `label` of `kind`:
    /// a change of label or kind, or a new song found by the song-aware decisions.
    public static func cuts(before result: WindowResult, label: String?, kind: WindowResult.Kind?) -> Bool {
        result.label != label || result.kind != kind || result.songStart != nil
    }

    public var seconds: Double { endSeconds - startSeconds }
}

/// The stage that turns window results into segments: `process` emits a segment
/// when the smoothed label changes, `finish` the one in progress at end of input.
/// Windows of a model without genres (tags only) make no segments.
public struct SegmentTracker: Sendable {
    private var current: Segment?
    private var confidenceSum = 0.0
    private var confidenceCount = 0
    private var count = 0
    /// Where the last closed segment of this input ended on the wall clock (nil at the
    /// start of an input), and whether a stall lies between it and the next one.
    private var lastWallEnd: Double?
    private var stallSinceLast = false
    /// The loudness of the segment in progress (made at the first window that has one).
    private var loudness: LoudnessIntegrator?

    public init() {}

    /// Segments emitted so far in this input, plus the one in progress.
    public var segmentCount: Int { count + (current == nil ? 0 : 1) }

    /// `wallSeconds`: the wall clock when the result was computed (the end of its audio, live).
    public mutating func process(_ result: WindowResult, wallSeconds: Double, emit: (Segment) throws -> Void) rethrows {
        guard let label = result.label else { return }
        if let open = current, !Segment.cuts(before: result, label: open.label, kind: open.kind) {
            current!.endSeconds = result.endSeconds
            current!.endWallSeconds = wallSeconds
            current!.windows += 1
        } else {
            let startedBy = current == nil ? "start" : result.songStart?.rawValue ?? "label_change"
            if let open = current { try emit(closed(open, final: false)) }
            confidenceSum = 0
            confidenceCount = 0
            // Segments tile: one starts where the one before it ended. Windows do not come
            // at exactly their audio's pace (a burst after buffering), so the wall clock
            // minus the window's audio could fall before the previous segment's end.
            // After a stall the next one starts at its own audio's time, but never before
            // the last one's end: audio that comes in a burst after a stall must not overlap it.
            let ownStart = wallSeconds - result.newSeconds
            let start = lastWallEnd.map { stallSinceLast ? max($0, ownStart) : $0 } ?? ownStart
            stallSinceLast = false
            current = Segment(
                source: result.source, index: count, label: label, kind: result.kind,
                startSeconds: result.endSeconds - result.newSeconds, endSeconds: result.endSeconds, windows: 1,
                meanConfidence: nil, startWallSeconds: start, endWallSeconds: wallSeconds,
                isFinal: false, startedBy: startedBy)
            loudness?.reset()
        }
        if let blocks = result.loudness?.blocks {
            if loudness == nil { loudness = LoudnessIntegrator() }
            loudness!.add(blocks)
        }
        if let confidence = result.confidence {
            confidenceSum += confidence
            confidenceCount += 1
        }
    }

    /// End of input: emits the segment in progress, if any, and starts afresh.
    public mutating func finish(emit: (Segment) throws -> Void) rethrows {
        if let open = current { try emit(closed(open, final: true)) }
        current = nil
        count = 0
        lastWallEnd = nil
        stallSinceLast = false
    }

    /// The input stalled: the segment in progress ends at its last window, and the next
    /// window starts a new one at its own time (the stall lies between them).
    public mutating func breakSegment(emit: (Segment) throws -> Void) rethrows {
        if let open = current { try emit(closed(open, final: false)) }
        current = nil
        stallSinceLast = true
    }

    private mutating func closed(_ segment: Segment, final: Bool) -> Segment {
        var segment = segment
        segment.meanConfidence = confidenceCount > 0 ? confidenceSum / Double(confidenceCount) : nil
        segment.isFinal = final
        segment.loudness = loudness.map(StretchLoudness.init)
        count += 1
        lastWallEnd = segment.endWallSeconds
        return segment
    }
}

import Engine

/// What one input has held so far: time per label, segments, windows, gaps and
/// stalls. Printed at the end of each input and on SIGUSR1. Its size is bounded by
/// the model's label count, whatever the stream's length.
public struct RunSummary: Sendable {
    public struct LabelTime: Sendable, Equatable {
        public var label: String
        public var seconds: Double
        public var windows: Int
    }

    public var source: String
    /// Audio seconds the windows cover (each window's new audio counted once).
    public var seconds = 0.0
    public var windows = 0
    public var segments = 0
    public var gaps = 0
    public var stalls = 0
    /// Per label, in the order first seen.
    public private(set) var labels: [LabelTime] = []
    /// Ended with the input (or a stop), rather than a snapshot taken on request.
    public var isFinal = false
    /// The input's integrated loudness (LUFS) and loudness range (LU) as of its newest
    /// window, with `--loudness`; -infinity below the meter's gate.
    public var loudness: (integratedLUFS: Double, rangeLU: Double)?

    private var lastLabel: String?
    private var lastKind: WindowResult.Kind?
    /// Per label, the loudness of its windows (`--loudness`), in `labels`' order.
    private var labelLoudness: [LoudnessIntegrator] = []

    public init(source: String) {
        self.source = source
    }

    public mutating func add(_ result: WindowResult) {
        windows += 1
        seconds += result.newSeconds
        gaps += result.gaps
        if let l = result.loudness { loudness = (l.integratedLUFS, l.rangeLU) }
        guard let label = result.label else { return }
        // Counted as SegmentTracker cuts them.
        if Segment.cuts(before: result, label: lastLabel, kind: lastKind) { segments += 1 }
        lastLabel = label
        lastKind = result.kind
        let i: Int
        if let known = labels.firstIndex(where: { $0.label == label }) {
            i = known
            labels[i].seconds += result.newSeconds
            labels[i].windows += 1
        } else {
            i = labels.count
            labels.append(LabelTime(label: label, seconds: result.newSeconds, windows: 1))
        }
        if let blocks = result.loudness?.blocks {
            while labelLoudness.count <= i { labelLoudness.append(LoudnessIntegrator()) }
            labelLoudness[i].add(blocks)
        }
    }

    /// The integrated loudness of a label's windows, LUFS (-infinity below the gate);
    /// nil without `--loudness`.
    public func integratedLUFS(of label: LabelTime) -> Double? {
        guard let i = labels.firstIndex(where: { $0.label == label.label }), i < labelLoudness.count else { return nil }
        return labelLoudness[i].integratedLUFS
    }

    /// Stalls can happen while no window completes; they are counted as they happen.
    public mutating func addStall() {
        stalls += 1
    }

    public var silenceSeconds: Double {
        labels.first { $0.label == "silence" }?.seconds ?? 0
    }

    /// Labels by time, longest first (ties in the order first seen).
    public var labelsByTime: [LabelTime] {
        labels.enumerated().sorted { $0.element.seconds != $1.element.seconds ? $0.element.seconds > $1.element.seconds : $0.offset < $1.offset }
            .map(\.element)
    }

    /// A label's share of the audio seconds, 0...1.
    public func share(of label: LabelTime) -> Double {
        seconds > 0 ? label.seconds / seconds : 0
    }
}

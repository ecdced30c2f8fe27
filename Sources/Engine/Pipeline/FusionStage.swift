#if canImport(Glibc)
import Glibc
#endif

/// Combines a fused model's members into the primary's genre probabilities
/// (Weights/FORMAT.md, `fusion`), one primary window at a time.
///
/// Other members' windows arrive as they end (`add`) and wait, a bounded few, until
/// the primary window they end in is fused: each term's score for that window is the
/// mean over them. Allocation-free after `init`.
final class FusionStage {
    let spec: FusionSpec
    /// Per term: the waiting windows' output values (for the primary's terms, unused).
    private var pending: [PendingWindows]
    private var scores: [Float]
    private var termSums: [Float]
    /// The mean of the `soundTagsTerm`'s values over the last fused window's member windows.
    private(set) var soundTags: [Float]
    /// The term whose member output is a labelled `tags` output (YAMNet's AudioSet
    /// classes): the window's sound tags, beside the genre.
    let soundTagsTerm: Int?

    /// Member windows kept waiting at most: a converter chunk brings at most a few.
    static let capacity = 32

    init(spec: FusionSpec, members: [ModelFile]) {
        self.spec = spec
        let widths = spec.terms.map { term in
            term.member == 0 ? 0 : members[term.member - 1].nodes[term.output.node].shape.count
        }
        pending = widths.map { PendingWindows(capacity: FusionStage.capacity, width: $0) }
        scores = [Float](repeating: 0, count: spec.labels.count)
        termSums = scores
        let soundTagsTerm = spec.terms.firstIndex { $0.member > 0 && $0.output.name == ModelOutput.tags && $0.output.labels != nil }
        self.soundTagsTerm = soundTagsTerm
        let soundTagsWidth = soundTagsTerm.map { widths[$0] } ?? 0
        soundTags = [Float](repeating: 0, count: soundTagsWidth)
    }

    /// The labels of `soundTags`.
    var soundTagLabels: [String] { soundTagsTerm.flatMap { spec.terms[$0].output.labels } ?? [] }

    func reset() {
        for k in pending.indices { pending[k].removeAll() }
    }

    /// A member window ended at `endSeconds`: keeps its outputs for the primary window it falls in.
    func add(_ lane: MemberLane, endSeconds: Double) {
        for (k, term) in spec.terms.enumerated() where term.member == lane.member {
            pending[k].append(lane.network.values(of: term.output), endSeconds: endSeconds)
        }
    }

    /// Drops the member windows that ended by `endSeconds` (a silent primary window).
    func skip(until endSeconds: Double) {
        for k in pending.indices { pending[k].removeThrough(endSeconds) { _ in } }
    }

    /// The fused probabilities of the primary window ending at `endSeconds`, written
    /// over `probabilities` (the primary's genre output on entry, which its terms read).
    func fuse(endSeconds: Double, into probabilities: inout [Float]) {
        let n = spec.labels.count
        for g in 0..<n { scores[g] = spec.bias[g] }
        for g in soundTags.indices { soundTags[g] = 0 }
        for (k, term) in spec.terms.enumerated() {
            if term.member == 0 {
                // The loader allows the primary only its genre output here (labelled as the genre output).
                for g in 0..<n { scores[g] += term.weights[g] * log(probabilities[g] + FusionSpec.floor) }
                continue
            }
            var count = 0
            let isSoundTags = k == soundTagsTerm
            for g in 0..<n { termSums[g] = 0 }
            pending[k].removeThrough(endSeconds) { values in
                count += 1
                switch term.score {
                case .logProbability:
                    for g in 0..<n { termSums[g] += log(values[g] + FusionSpec.floor) }
                case let .logGroupSum(groups):
                    for g in 0..<n where !groups[g].isEmpty {
                        var sum: Float = 0
                        for c in groups[g] { sum += values[c] }
                        termSums[g] += log(sum + FusionSpec.floor)
                    }
                }
                if isSoundTags { for c in soundTags.indices { soundTags[c] += values[c] } }
            }
            // No window of this member ended in this one (the stream's first moments): the term abstains.
            guard count > 0 else { continue }
            let mean = 1 / Float(count)
            for g in 0..<n { scores[g] += term.weights[g] * termSums[g] * mean }
            if isSoundTags { for c in soundTags.indices { soundTags[c] *= mean } }
        }
        var top = -Float.infinity
        for g in 0..<n { top = max(top, scores[g]) }
        var total: Float = 0
        for g in 0..<n { probabilities[g] = exp(scores[g] - top); total += probabilities[g] }
        for g in 0..<n { probabilities[g] /= total }
    }
}

/// A bounded queue of member windows' output values, oldest first.
struct PendingWindows {
    let width: Int
    private var values: [Float]
    private var ends: [Double]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int, width: Int) {
        self.width = width
        values = [Float](repeating: 0, count: capacity * width)
        ends = [Double](repeating: 0, count: capacity)
    }

    mutating func removeAll() { head = 0; count = 0 }

    /// Keeps a copy; when full, the oldest is dropped (the converter's chunks are far
    /// smaller than the capacity's worth of windows, so this does not happen in a stream).
    mutating func append(_ v: UnsafeBufferPointer<Float>, endSeconds: Double) {
        if count == ends.count { head = (head + 1) % ends.count; count -= 1 }
        let slot = (head + count) % ends.count
        values.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: slot * width).update(from: v.baseAddress!, count: width) }
        ends[slot] = endSeconds
        count += 1
    }

    /// Hands over and removes the windows that ended by `endSeconds` (within a microsecond).
    mutating func removeThrough(_ endSeconds: Double, _ body: (UnsafeBufferPointer<Float>) -> Void) {
        while count > 0, ends[head] <= endSeconds + 1e-6 {
            values.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[(head * width)..<((head + 1) * width)])) }
            head = (head + 1) % ends.count
            count -= 1
        }
    }
}

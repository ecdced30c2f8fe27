/// The fixed-lag option (`--lag-seconds`): each window's result is held for `lag`
/// windows before it is handed on, and its label is then the song-aware decision about
/// it with those later windows known (a boundary found later moves it to the next
/// song, whose label it takes). Each line still says the time it describes.
///
/// Bounded and allocation-free per window: `lag` result slots, whose arrays are
/// written in place once the first windows have filled them.
final class DecisionLag {
    let lag: Int
    private var held: [WindowResult] = []
    private var first = 0, count = 0

    init(lag: Int) {
        precondition(lag >= 0)
        self.lag = lag
        held.reserveCapacity(lag)
    }

    /// Holds `result`; hands on, relabelled, the one that has waited `lag` windows.
    func process(_ result: WindowResult, relabel: (inout WindowResult) -> Void, emit: (WindowResult) throws -> Void) throws {
        guard lag > 0 else { return try emit(result) }
        if count == lag { try release(relabel: relabel, emit: emit) }
        let slot = (first + count) % lag
        if slot == held.count { held.append(result) } else { Self.store(result, into: &held[slot]) }
        count += 1
    }

    /// End of input: everything held, decided with what is known now.
    func finish(relabel: (inout WindowResult) -> Void, emit: (WindowResult) throws -> Void) throws {
        while count > 0 { try release(relabel: relabel, emit: emit) }
        first = 0
    }

    private func release(relabel: (inout WindowResult) -> Void, emit: (WindowResult) throws -> Void) throws {
        relabel(&held[first])
        let result = held[first]
        first = (first + 1) % lag
        count -= 1
        try emit(result)
    }

    /// Copies `result` into `slot` keeping the slot's own arrays, so that neither the
    /// classifier's arrays nor the slot's are shared once this returns.
    private static func store(_ result: WindowResult, into slot: inout WindowResult) {
        var probabilities: [Float] = [], tags: [Float] = [], soundTags: [Float] = []
        swap(&probabilities, &slot.probabilities)
        swap(&tags, &slot.tags)
        swap(&soundTags, &slot.soundTags)
        slot = result
        refill(&probabilities, from: result.probabilities)
        refill(&tags, from: result.tags)
        refill(&soundTags, from: result.soundTags)
        slot.probabilities = probabilities
        slot.tags = tags
        slot.soundTags = soundTags
    }

    private static func refill(_ array: inout [Float], from values: [Float]) {
        array.removeAll(keepingCapacity: true)
        array.append(contentsOf: values)
    }
}

import Engine

#if canImport(Glibc)
import Glibc
#endif

/// Integrated loudness (ITU-R BS.1770-4) and loudness range (EBU Tech 3342) over any
/// stretch of windows (a segment, the windows of one label), from the blocks each
/// window's loudness carries (`LoudnessBlocks`). Like libebur128's histogram mode, the
/// blocks are kept as a histogram of 0.1-LU bins from -70 LUFS (the absolute gate) to
/// +5: fixed memory however long the stretch. Each bin also sums its blocks' energies,
/// so the integrated loudness is exact but for the relative gate's bin.
public struct LoudnessIntegrator: Sendable {
    static let lowest = -70.0, highest = 5.0, binsPerLU = 10.0
    static let binCount = Int((highest - lowest) * binsPerLU)

    private var blockCounts: [Int32]
    private var blockEnergies: [Double]
    private var shortTermCounts: [Int32]
    private var shortTermEnergies: [Double]

    public init() {
        blockCounts = Array(repeating: 0, count: Self.binCount)
        blockEnergies = Array(repeating: 0, count: Self.binCount)
        shortTermCounts = Array(repeating: 0, count: Self.binCount)
        shortTermEnergies = Array(repeating: 0, count: Self.binCount)
    }

    /// Empties it, keeping its memory: for the next segment.
    public mutating func reset() {
        for i in 0..<Self.binCount {
            blockCounts[i] = 0
            blockEnergies[i] = 0
            shortTermCounts[i] = 0
            shortTermEnergies[i] = 0
        }
    }

    public mutating func add(_ blocks: LoudnessBlocks) {
        for i in 0..<blocks.blockCount { Self.add(Double(blocks.block(i)), &blockCounts, &blockEnergies) }
        for i in 0..<blocks.shortTermCount { Self.add(Double(blocks.shortTerm(i)), &shortTermCounts, &shortTermEnergies) }
    }

    /// BS.1770: loudness = -0.691 + 10 log10(energy).
    static func energy(_ lufs: Double) -> Double { pow(10, (lufs + 0.691) / 10) }
    static func lufs(_ energy: Double) -> Double { -0.691 + 10 * log10(energy) }

    private static func bin(_ lufs: Double) -> Int { min(Int((lufs - lowest) * binsPerLU), binCount - 1) }

    private static func add(_ lufs: Double, _ counts: inout [Int32], _ energies: inout [Double]) {
        // The absolute gate: blocks below -70 LUFS (silence, -infinity) do not count.
        guard lufs >= lowest else { return }
        let b = bin(lufs)
        counts[b] += 1
        energies[b] += energy(lufs)
    }

    /// The blocks above the relative gate `offset` LU under the mean of those above the
    /// absolute gate: their first bin and their mean energy; nil when none passes.
    private static func gated(_ counts: [Int32], _ energies: [Double], offset: Double) -> (firstBin: Int, energy: Double, count: Int)? {
        var total = 0.0, n = 0
        for i in 0..<binCount { total += energies[i]; n += Int(counts[i]) }
        guard n > 0 else { return nil }
        let first = max(0, bin(lufs(total / Double(n)) + offset))
        var sum = 0.0, m = 0
        for i in first..<binCount { sum += energies[i]; m += Int(counts[i]) }
        return m > 0 ? (first, sum / Double(m), m) : nil
    }

    /// Integrated loudness, LUFS; -infinity when no block passes the gates.
    public var integratedLUFS: Double {
        guard let g = Self.gated(blockCounts, blockEnergies, offset: -10) else { return -.infinity }
        return Self.lufs(g.energy)
    }

    /// Loudness range, LU: the 10th to the 95th percentile of the short-term values
    /// above the gates (-70 LUFS, and 20 LU under their mean); 0 with fewer than two.
    public var rangeLU: Double {
        guard let g = Self.gated(shortTermCounts, shortTermEnergies, offset: -20) else { return -.infinity }
        guard g.count > 1 else { return 0 }
        func percentile(_ p: Double) -> Double {
            let rank = Int((p * Double(g.count - 1)).rounded())
            var seen = 0
            for i in g.firstBin..<Self.binCount {
                seen += Int(shortTermCounts[i])
                if seen > rank { return Self.lowest + (Double(i) + 0.5) / Self.binsPerLU }
            }
            return Self.highest
        }
        return percentile(0.95) - percentile(0.10)
    }

    /// Whether any block passed the absolute gate.
    public var isEmpty: Bool { !blockCounts.contains { $0 > 0 } }
}

/// The loudness of a stretch of windows: integrated (LUFS) and range (LU), each
/// -infinity when nothing passed the gates.
public struct StretchLoudness: Sendable, Equatable {
    public var integratedLUFS: Double
    public var rangeLU: Double

    public init(integratedLUFS: Double, rangeLU: Double) {
        self.integratedLUFS = integratedLUFS
        self.rangeLU = rangeLU
    }

    init(_ integrator: LoudnessIntegrator) {
        self.init(integratedLUFS: integrator.integratedLUFS, rangeLU: integrator.rangeLU)
    }
}

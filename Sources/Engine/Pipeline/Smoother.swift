#if canImport(Glibc)
import Glibc
#endif

/// Streaming smoothing of window probabilities: the forward pass of a hidden
/// Markov model whose hidden state is the genre playing.
///
/// The genre persists with a time constant of `timeConstant` seconds: between
/// two windows `hop` seconds apart it stays the same with probability
/// `exp(-hop / timeConstant)` and otherwise changes to any other genre with
/// equal chance; each window's network probabilities act as the evidence. The
/// smoothed label is the most probable state. Stated in seconds, the setting
/// means the same whatever the window hop (`--hop-seconds`). A single odd
/// window flips the label only when the network is far surer of the new genre
/// than of the old one; a real change wins sooner for a shorter time constant.
/// Windows without music (silence, speech, other) bring no evidence: time
/// passes (`advance`), so the belief relaxes during a long break, but they
/// never feed a genre. Allocation-free after `init`.
public struct Smoother: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Seconds over which the belief in the genre playing decays (1/e) without evidence.
        public var timeConstant: Double
        /// Seconds between window starts.
        public var hopSeconds: Double
        /// Evidence is floored here so that one window scoring a genre at 0 cannot rule it out for good.
        var evidenceFloor: Double
        /// Each window's probabilities count as `p^evidenceWeight`: below 1, one confident
        /// odd window moves the belief less (a network is over-confident on its errors).
        public var evidenceWeight: Double

        /// The defaults: see `Smoother.defaultTimeConstant` and `defaultEvidenceWeight`.
        public init(timeConstant: Double = Smoother.defaultTimeConstant, hopSeconds: Double = 3, evidenceFloor: Double = 1e-4,
                    evidenceWeight: Double = Smoother.defaultEvidenceWeight) {
            self.timeConstant = timeConstant
            self.hopSeconds = hopSeconds
            self.evidenceFloor = evidenceFloor
            self.evidenceWeight = evidenceWeight
        }

        /// Prior chance that the genre changes between two consecutive windows.
        var switchProbability: Double { 1 - exp(-hopSeconds / timeConstant) }
    }

    /// Seconds, and the evidence weight, tuned together on the realistic radio stream of
    /// valid tracks (songs of minutes, talk between them: `python3 training/evaluation/radio_benchmark.py`,
    /// figures in Weights/genre-musicnn.md): +7.6 points over raw, 1.1 label changes a minute.
    public static let defaultTimeConstant = 60.0
    public static let defaultEvidenceWeight = 0.3

    public let settings: Settings
    /// Current belief over the labels; sums to 1.
    public private(set) var belief: [Double]
    private var started = false
    private let stay: Double, move: Double

    public init(labelCount: Int, settings: Settings = Settings()) {
        self.settings = settings
        belief = [Double](repeating: 1 / Double(labelCount), count: labelCount)
        stay = 1 - settings.switchProbability
        move = labelCount > 1 ? settings.switchProbability / Double(labelCount - 1) : 0
    }

    /// One window's time without evidence (silence, speech, other): the chain takes a step.
    mutating func advance() {
        guard started else { return }
        for i in belief.indices { belief[i] = belief[i] * stay + (1 - belief[i]) * move }
    }

    public mutating func reset() {
        for i in belief.indices { belief[i] = 1 / Double(belief.count) }
        started = false
    }

    /// Folds in one window's probabilities; returns the smoothed label index and its belief.
    public mutating func update(_ probabilities: UnsafeBufferPointer<Float>) -> (label: Int, confidence: Double) {
        let k = belief.count
        var total = 0.0
        for i in 0..<k {
            // Prior after one step of the chain: stay, or arrive from any other genre.
            let prior = started ? belief[i] * stay + (1 - belief[i]) * move : 1 / Double(k)
            let evidence = max(Double(probabilities[i]), settings.evidenceFloor)
            belief[i] = prior * (settings.evidenceWeight == 1 ? evidence : pow(evidence, settings.evidenceWeight))
            total += belief[i]
        }
        var best = 0
        for i in 0..<k {
            belief[i] /= total
            if belief[i] > belief[best] { best = i }
        }
        started = true
        return (best, belief[best])
    }
}

/// Streaming smoothing of window probabilities: the forward pass of a hidden
/// Markov model whose hidden state is the genre playing.
///
/// Between two windows the genre stays the same with probability
/// `1 - switchProbability` and otherwise changes to any other genre with equal
/// chance; each window's network probabilities act as the evidence. The
/// smoothed label is the most probable state. A single odd window flips the
/// label only when the network is far surer of the new genre than of the old
/// one; a real change wins after one or two windows, sooner for a larger
/// `switchProbability`. The default, 0.4, is the value that gave the best
/// smoothed window accuracy on the simulated radio of valid tracks
/// (`python3 training/evaluate.py stream`, results in Weights/README.md).
/// Allocation-free after `init`.
public struct Smoother: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Prior chance that the genre changes between two consecutive windows.
        public var switchProbability: Double
        /// Evidence is floored here so that one window scoring a genre at 0 cannot rule it out for good.
        public var evidenceFloor: Double

        public init(switchProbability: Double = 0.4, evidenceFloor: Double = 1e-4) {
            self.switchProbability = switchProbability
            self.evidenceFloor = evidenceFloor
        }
    }

    public let settings: Settings
    /// Current belief over the labels; sums to 1.
    public private(set) var belief: [Double]
    private var started = false

    public init(labelCount: Int, settings: Settings = Settings()) {
        self.settings = settings
        belief = [Double](repeating: 1 / Double(labelCount), count: labelCount)
    }

    public mutating func reset() {
        for i in belief.indices { belief[i] = 1 / Double(belief.count) }
        started = false
    }

    /// Folds in one window's probabilities; returns the smoothed label index and its belief.
    public mutating func update(_ probabilities: UnsafeBufferPointer<Float>) -> (label: Int, confidence: Double) {
        let k = belief.count
        let stay = 1 - settings.switchProbability
        let move = k > 1 ? settings.switchProbability / Double(k - 1) : 0
        var total = 0.0
        for i in 0..<k {
            // Prior after one step of the chain: stay, or arrive from any other genre.
            let prior = started ? belief[i] * stay + (1 - belief[i]) * move : 1 / Double(k)
            belief[i] = prior * max(Double(probabilities[i]), settings.evidenceFloor)
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

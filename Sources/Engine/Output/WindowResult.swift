/// Everything known about one window once it has been classified: what every
/// output format prints from.
public struct WindowResult {
    public var source: String
    public var index: Int
    public var startSeconds: Double
    public var endSeconds: Double
    /// Smoothed label, or "silence"; nil when the model has no genre output (tags only).
    public var label: String?
    /// Smoothed belief in `label`; nil for silence.
    public var confidence: Double?
    /// The network's own top label for this window alone, or "silence".
    public var rawLabel: String?
    public var rawConfidence: Double?
    /// The network's probabilities in label order; empty for silence.
    public var probabilities: UnsafeBufferPointer<Float>
    /// Tag probabilities in the tags output's order; empty for silence or when tags are not asked for.
    public var tags: UnsafeBufferPointer<Float>
    public var levelDBFS: Double
    /// Fewer than a full window of audio: the end of the input.
    public var isPartial: Bool
    /// Audio gaps (device overruns) inside this window.
    public var gaps: Int
}

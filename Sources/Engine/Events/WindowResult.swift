/// Everything known about one window once it has been classified: the value the
/// engine hands out, which every sink (text formats, segments, summary, metrics,
/// the live page) reads. It owns its values: a sink may keep it.
public struct WindowResult: Sendable {
    /// What the window was found to hold.
    public enum Kind: String, Sendable {
        /// Music: `label` is a genre.
        case music
        /// Below the silence level, or near-constant low-level noise (dead air): `label` is "silence".
        case silence
        /// The model's top label is a non-music one (`speech`, `other`): `label` is that label.
        case nonMusic = "non_music"
        /// A model without a genre output: only `tags` are known.
        case tagsOnly = "tags_only"
    }

    public var source: String
    public var index: Int
    public var kind: Kind
    public var startSeconds: Double
    public var endSeconds: Double
    /// Seconds of audio this window adds after the previous window's end: the time it
    /// accounts for in segments and summaries (the window length for consecutive
    /// windows, the hop for overlapping ones).
    public var newSeconds: Double
    /// Smoothed label, or "silence"; nil when the model has no genre output (tags only).
    public var label: String?
    /// Smoothed belief in `label`; nil for silence.
    public var confidence: Double?
    /// The network's own top label for this window alone, or "silence".
    public var rawLabel: String?
    public var rawConfidence: Double?
    /// The network's probabilities in label order; empty for silence.
    public var probabilities: [Float]
    /// Tag probabilities in the tags output's order; empty for silence or when tags are not asked for.
    public var tags: [Float]
    /// A fused model's sound classes (YAMNet's AudioSet classes), the mean over this
    /// window; empty unless tags are asked for and the model has them.
    public var soundTags: [Float] = []
    /// Non-nil on the first window of a song (song-aware decisions only): how it began.
    public var songStart: SongStart? = nil
    /// The music window's number in the song-aware decisions, for a lagged decision.
    var songWindow: Int? = nil
    public var levelDBFS: Double
    /// EBU R128 loudness (`--loudness`); nil when not measured.
    public var loudness: Loudness? = nil
    /// Fewer than a full window of audio: the end of the input.
    public var isPartial: Bool
    /// Audio gaps (device overruns) inside this window.
    public var gaps: Int
    /// CPU time spent on this window: the frontend's frames since the previous window, and the network.
    public var frontendSeconds: Double
    public var networkSeconds: Double

    public init(source: String, index: Int, kind: Kind, startSeconds: Double, endSeconds: Double, newSeconds: Double,
                label: String?, confidence: Double?, rawLabel: String?, rawConfidence: Double?,
                probabilities: [Float] = [], tags: [Float] = [], levelDBFS: Double, isPartial: Bool = false,
                gaps: Int = 0, frontendSeconds: Double = 0, networkSeconds: Double = 0) {
        self.source = source
        self.index = index
        self.kind = kind
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.newSeconds = newSeconds
        self.label = label
        self.confidence = confidence
        self.rawLabel = rawLabel
        self.rawConfidence = rawConfidence
        self.probabilities = probabilities
        self.tags = tags
        self.levelDBFS = levelDBFS
        self.isPartial = isPartial
        self.gaps = gaps
        self.frontendSeconds = frontendSeconds
        self.networkSeconds = networkSeconds
    }
}

/// Settings of a run that are not part of the model.
public struct PipelineSettings: Sendable {
    /// Frames between window starts: `frames_per_window` for consecutive windows, fewer to overlap.
    public var hopFrames: Int
    /// Windows whose level is below this are labelled `silence` and skip the network and the smoother.
    public var silenceDBFS: Double
    /// nil turns smoothing off: the smoothed label is then the raw one.
    public var smoothing: Smoother.Settings?
    /// Stop each source after this many seconds of audio (a capture never ends by itself).
    public var maxSeconds: Double?
    /// Report the model's `tags` output with each window (always, for a model without a genre output).
    public var tags: Bool

    public init(hopFrames: Int, silenceDBFS: Double = -60, smoothing: Smoother.Settings? = Smoother.Settings(),
                maxSeconds: Double? = nil, tags: Bool = false) {
        self.hopFrames = hopFrames
        self.silenceDBFS = silenceDBFS
        self.smoothing = smoothing
        self.maxSeconds = maxSeconds
        self.tags = tags
    }
}

/// Runs sources through the model, one window line at a time.
///
/// Buffers are allocated here, at start-up; per source only the resampler
/// (whose ratio depends on the source) is made, and the read buffer grown when
/// a source has more channels than any before it. Nothing grows with stream length.
public final class Pipeline {
    public let network: Network
    public let settings: PipelineSettings
    private let frontend: MelFrontend
    private let assembler: WindowAssembler
    private var smoother: Smoother
    private let formatter: LineFormatter
    private let writer: LineWriter
    private let converter: MonoConverter
    private let genre: ModelOutput?
    private let tags: ModelOutput?
    /// Indices of the genre output's music labels (all but `speech` and `other`), which the smoother follows.
    private let genreIndices: [Int]
    /// The music labels' probabilities of one window, renormalised: the smoother's evidence.
    private var genreEvidence: [Float]
    private var pendingGaps = 0
    private var sourceName = ""
    private var lastEnd = 0.0
    /// TEMPORARY (branch monitor): each window's result, before its line is written; replaced by `run(_:onWindow:)`.
    public var onWindow: ((WindowResult) -> Void)?

    public init(network: Network, settings: PipelineSettings, formatter: LineFormatter, writer: LineWriter) throws {
        self.network = network
        self.settings = settings
        self.formatter = formatter
        self.writer = writer
        let frontendSettings = network.model.frontend
        frontend = try MelFrontend(settings: frontendSettings)
        assembler = WindowAssembler(settings: frontendSettings, hopFrames: settings.hopFrames)
        genre = network.model.output(ModelOutput.genre)
        let labels = genre?.labels ?? []
        genreIndices = labels.indices.filter { !Pipeline.nonMusicLabels.contains(labels[$0]) }
        genreEvidence = [Float](repeating: 0, count: max(genreIndices.count, 1))
        // The smoother's time constant is in seconds; its step is this run's window hop.
        var smoothing = settings.smoothing ?? Smoother.Settings()
        smoothing.hopSeconds = Double(settings.hopFrames * frontendSettings.hopLength) / Double(frontendSettings.sampleRate)
        smoother = Smoother(labelCount: max(genreIndices.count, 1), settings: smoothing)
        converter = MonoConverter(outputRate: frontendSettings.sampleRate)
        let tags = network.model.output(ModelOutput.tags)
        guard genre != nil || tags != nil else {
            throw EngineError.model("model \(network.model.name) has neither a genre nor a tags output; nothing to print")
        }
        if settings.tags && tags == nil {
            throw EngineError.usage("model \(network.model.name) has no tags output (outputs: \(network.model.outputs.map(\.name).joined(separator: ", ")))")
        }
        self.tags = settings.tags || genre == nil ? tags : nil
    }

    /// Labels of a genre output that are not music: a window whose top label is one of
    /// them is reported as such and never feeds the genre belief (nor does silence).
    public static let nonMusicLabels: Set<String> = ["speech", "other"]

    /// What a run of one source produced.
    public struct Summary: Sendable {
        public var windows = 0
        public var seconds = 0.0
        public var stoppedBySignal = false
    }

    /// Processes one source to its end (or to a stop request) and writes its lines.
    public func run(_ source: AudioSource) throws -> Summary {
        let frontendSettings = network.model.frontend
        if Double(source.format.sampleRate) < 2 * frontendSettings.fmax {
            warn("\(source.name) is \(source.format.sampleRate) Hz: mel bands above \(source.format.sampleRate / 2) Hz "
                 + "will be empty (the model expects \(frontendSettings.sampleRate) Hz audio); genre accuracy will suffer")
        }
        frontend.reset()
        assembler.reset()
        smoother.reset()
        pendingGaps = 0
        lastEnd = 0
        sourceName = source.name
        var summary = Summary()
        summary.stoppedBySignal = try converter.run(
            source, maxSeconds: settings.maxSeconds, onGaps: { pendingGaps += $0 }
        ) { try feed($0, &summary) }
        // End of input (or a stop request): the last frames, then the partial
        // window if there is enough of it.
        while frontend.flush() { try addFrame(&summary) }
        if let window = assembler.finish() { try emit(window, &summary) }
        summary.seconds = Double(frontend.framesProduced * frontendSettings.hopLength) / Double(frontendSettings.sampleRate)
        if summary.windows == 0 && !summary.stoppedBySignal {
            warn("\(source.name): the input ended before half a window "
                 + "(\(TextFormatting.fixed(frontendSettings.windowSeconds / 2, 1)) s) of audio; no line written")
        }
        return summary
    }

    private func feed(_ samples: UnsafeBufferPointer<Float>, _ summary: inout Summary) throws {
        var offset = 0
        while offset < samples.count {
            offset += frontend.consume(UnsafeBufferPointer(rebasing: samples[offset...]))
            if frontend.frameReady { try addFrame(&summary) }
        }
    }

    private func addFrame(_ summary: inout Summary) throws {
        let window = frontend.frame.withUnsafeBufferPointer { assembler.add(frame: $0, hopMeanSquare: frontend.hopMeanSquare) }
        if let window { try emit(window, &summary) }
    }

    private func emit(_ window: WindowAssembler.Window, _ summary: inout Summary) throws {
        let rate = network.model.frontend.sampleRate
        let labels = network.model.labels
        let start = assembler.seconds(atFrame: window.firstFrame, sampleRate: rate)
        let end = assembler.seconds(atFrame: window.firstFrame + window.frameCount, sampleRate: rate)
        let gaps = pendingGaps
        pendingGaps = 0
        summary.windows += 1
        let none: [Float] = []
        let newSeconds = end - max(start, lastEnd)
        lastEnd = end
        if window.levelDBFS < settings.silenceDBFS {
            smoother.advance()
            let result = WindowResult(
                source: sourceName, index: window.index, kind: .silence, startSeconds: start, endSeconds: end,
                newSeconds: newSeconds, label: "silence", confidence: nil, rawLabel: "silence", rawConfidence: nil,
                probabilities: none, tags: none, levelDBFS: window.levelDBFS,
                isPartial: window.isPartial, gaps: gaps)
            onWindow?(result)
            return try writer.write(line: formatter.line(for: result))
        }
        assembler.input.withUnsafeBufferPointer { network.run($0) }
        let tagValues = tags.map { Array(network.values(of: $0)) } ?? none
        guard let genre else {
            let result = WindowResult(
                source: sourceName, index: window.index, kind: .tagsOnly, startSeconds: start, endSeconds: end,
                newSeconds: newSeconds, label: nil, confidence: nil, rawLabel: nil, rawConfidence: nil,
                probabilities: none, tags: tagValues, levelDBFS: window.levelDBFS,
                isPartial: window.isPartial, gaps: gaps)
            onWindow?(result)
            return try writer.write(line: formatter.line(for: result))
        }
        let p = network.values(of: genre)
        var raw = 0
        for i in 1..<p.count where p[i] > p[raw] { raw = i }
        let smoothed: (label: Int, confidence: Double)
        if genreIndices.count < p.count && !genreIndices.contains(raw) {
            // Speech or other: reported as it is; time passes for the genre belief.
            smoother.advance()
            smoothed = (raw, Double(p[raw]))
        } else if settings.smoothing != nil {
            var total: Float = 0
            for (k, i) in genreIndices.enumerated() { genreEvidence[k] = p[i]; total += p[i] }
            for k in genreEvidence.indices { genreEvidence[k] /= max(total, .leastNormalMagnitude) }
            let s = genreEvidence.withUnsafeBufferPointer { smoother.update($0) }
            smoothed = (genreIndices[s.label], s.confidence)
        } else {
            smoothed = (raw, Double(p[raw]))
        }
        let result = WindowResult(
            source: sourceName, index: window.index, kind: genreIndices.contains(raw) || genreIndices.count == p.count ? .music : .nonMusic,
            startSeconds: start, endSeconds: end, newSeconds: newSeconds, label: labels[smoothed.label], confidence: smoothed.confidence,
            rawLabel: labels[raw], rawConfidence: Double(p[raw]),
            probabilities: Array(p), tags: tagValues, levelDBFS: window.levelDBFS,
            isPartial: window.isPartial, gaps: gaps)
        onWindow?(result)
        try writer.write(line: formatter.line(for: result))
    }
}

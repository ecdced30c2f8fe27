/// The stage that turns a window's model input into a `WindowResult`: silence and
/// dead air are decided from the level, the network runs on the rest, and the
/// genre belief (the smoother) follows the music windows only.
///
/// Allocation-free per window: the probability and tag arrays a result carries are
/// this stage's own, written in place again once the previous result is released.
final class WindowClassifier {
    let network: Network
    let settings: PipelineSettings
    private var smoother: Smoother
    private var songs: SongDecisions
    private let genre: ModelOutput?
    private let tags: ModelOutput?
    private let labels: [String]
    /// Indices of the genre output's music labels (all but `speech` and `other`), which the smoother follows.
    private let genreIndices: [Int]
    private let isMusicLabel: [Bool]
    /// The music labels' probabilities of one window, renormalised: the smoother's evidence.
    private var genreEvidence: [Float]
    private var probabilities: [Float]
    private var tagValues: [Float]
    /// A fused model's other members' contribution to the genre output; nil for one network.
    let fusion: FusionStage?

    init(network: Network, settings: PipelineSettings, fusion: FusionStage? = nil) throws {
        self.network = network
        self.fusion = fusion
        self.settings = settings
        let model = network.model
        genre = model.output(ModelOutput.genre)
        let labels = genre?.labels ?? []
        let isMusicLabel = labels.map { !Pipeline.nonMusicLabels.contains($0) }
        self.labels = labels
        self.isMusicLabel = isMusicLabel
        genreIndices = labels.indices.filter { isMusicLabel[$0] }
        genreEvidence = [Float](repeating: 0, count: max(genreIndices.count, 1))
        probabilities = [Float](repeating: 0, count: labels.count)
        // Both deciders state their settings in seconds; their step is this run's window hop.
        let hop = model.frontend.seconds(frames: settings.hopFrames)
        var smoothing = Smoother.Settings(), songSettings = SongDecisions.Settings()
        switch settings.decisions {
        case .hmm(let s): smoothing = s
        case .songs(let s): songSettings = s
        case .off: break
        }
        smoothing.hopSeconds = hop
        songSettings.hopSeconds = hop
        smoother = Smoother(labelCount: max(genreIndices.count, 1), settings: smoothing)
        songs = SongDecisions(genres: max(genreIndices.count, 1), settings: songSettings, lagWindows: settings.lagWindows)
        let tagOutput = model.output(ModelOutput.tags)
        guard genre != nil || tagOutput != nil else {
            throw EngineError.model("model \(model.name) has neither a genre nor a tags output; nothing to print")
        }
        if settings.tags && tagOutput == nil {
            throw EngineError.usage("model \(model.name) has no tags output (outputs: \(model.outputs.map(\.name).joined(separator: ", ")))")
        }
        tags = settings.tags || genre == nil ? tagOutput : nil
        tagValues = [Float](repeating: 0, count: tags.map { network.values(of: $0).count } ?? 0)
    }

    func reset() {
        smoother.reset()
        songs.reset()
        fusion?.reset()
    }

    /// True for a window that is silence: below the silence level, or below the dead-air
    /// level with a near-constant level (a noise floor, dither or hum, not a quiet passage).
    func isSilence(_ window: WindowAssembler.Window) -> Bool {
        if window.levelDBFS < settings.silenceDBFS { return true }
        guard let deadAir = settings.deadAirDBFS else { return false }
        return window.levelDBFS < deadAir && window.levelSpreadDB < settings.deadAirSpreadDB
    }

    /// Classifies one window; the result's times, level and counts are filled by the caller.
    /// A music window of a fused model is left for `decide` (its kind `.music`, no label yet).
    func classify(_ window: WindowAssembler.Window, into result: inout WindowResult) throws {
        if isSilence(window) {
            fusion?.skip(until: window.endSeconds)
            smoother.advance()
            songs.silence()
            result.kind = .silence
            result.label = "silence"
            result.rawLabel = "silence"
            return
        }
        let start = Clocks.threadCPUSeconds()
        network.run(window.input)
        result.networkSeconds = Clocks.threadCPUSeconds() - start
        if let tags {
            copy(network.values(of: tags), into: &tagValues)
            result.tags = tagValues
        }
        guard let genre else {
            result.kind = .tagsOnly
            return
        }
        copy(network.values(of: genre), into: &probabilities)
        result.kind = .music
        if fusion == nil { try decide(&result, endSeconds: window.endSeconds) }
    }

    /// The genre decision for a window `classify` has run the network on: with a fused
    /// model, once the other members have seen the window's audio (the pipeline waits
    /// for them), the fusion; then the raw label and the smoothed one. A model whose
    /// weights overflow gives NaN or infinite probabilities: that is a model error, and
    /// no label is drawn from them (the comparisons below would make a NaN window the
    /// first genre).
    func decide(_ result: inout WindowResult, endSeconds: Double) throws {
        guard result.kind == .music else { return }
        if let fusion {
            fusion.fuse(endSeconds: endSeconds, into: &probabilities)
            if settings.tags && !fusion.soundTags.isEmpty { result.soundTags = fusion.soundTags }
        }
        for v in probabilities where !v.isFinite {
            throw EngineError.model("model \(network.model.name) gave a non-finite probability (\(v)) for the window ending at "
                                    + "\(TextFormatting.fixed(endSeconds, 3)) s: its weights overflow; nothing is labelled from it")
        }
        result.probabilities = probabilities
        let p = probabilities
        var raw = 0
        for i in 1..<p.count where p[i] > p[raw] { raw = i }
        result.rawLabel = labels[raw]
        result.rawConfidence = Double(p[raw])
        guard isMusicLabel[raw] else {
            // Speech or other: reported as it is; time passes for the genre belief.
            smoother.advance()
            songs.talk()
            result.kind = .nonMusic
            result.label = labels[raw]
            result.confidence = Double(p[raw])
            return
        }
        if settings.decisions == .off {
            result.label = labels[raw]
            result.confidence = Double(p[raw])
            return
        }
        var total: Float = 0
        for (k, i) in genreIndices.enumerated() { genreEvidence[k] = p[i]; total += p[i] }
        for k in genreEvidence.indices { genreEvidence[k] /= max(total, .leastNormalMagnitude) }
        if case .hmm = settings.decisions {
            let s = genreEvidence.withUnsafeBufferPointer { smoother.update($0) }
            result.label = labels[genreIndices[s.label]]
            result.confidence = s.confidence
        } else {
            result.songWindow = songs.musicWindowCount
            let d = genreEvidence.withUnsafeBufferPointer { songs.music($0) }
            result.label = labels[genreIndices[d.label]]
            result.confidence = d.confidence
            result.songStart = d.songStart
        }
    }

    /// A held music window's label, confidence and song start as decided now (`DecisionLag`).
    func relabel(_ result: inout WindowResult) {
        guard let n = result.songWindow else { return }
        let d = songs.decision(forMusicWindow: n)
        result.label = labels[genreIndices[d.label]]
        result.confidence = d.confidence
        result.songStart = d.songStart
    }

    private func copy(_ values: UnsafeBufferPointer<Float>, into array: inout [Float]) {
        array.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: values.baseAddress!, count: values.count) }
    }
}

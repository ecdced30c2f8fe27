/// Settings of a run that are not part of the model.
public struct PipelineSettings: Sendable {
    /// Frames between window starts: `frames_per_window` for consecutive windows, fewer to overlap.
    public var hopFrames: Int
    /// Windows whose level is below this are labelled `silence` and skip the network and the smoother.
    public var silenceDBFS: Double
    /// Windows below this level whose level is near-constant (`deadAirSpreadDB`) are
    /// also silence: dithered or hissing dead air, hum. nil turns the test off.
    public var deadAirDBFS: Double?
    /// The dead-air test's limit on the spread (standard deviation, dB) of a window's hop levels.
    public var deadAirSpreadDB: Double
    /// How the printed label is decided from the windows' probabilities.
    public var decisions: Decisions
    /// Windows each result waits so that its label is decided with that much later audio
    /// (`--lag-seconds`; song-aware decisions only). 0: every result as soon as it is known.
    public var lagWindows = 0
    /// Measure loudness by EBU R128 (`--loudness`): each result carries it.
    public var loudness = false
    /// Stop each source after this many seconds of audio (a capture never ends by itself).
    public var maxSeconds: Double?
    /// Report the model's `tags` output with each window (always, for a model without a genre output).
    public var tags: Bool

    /// Over blocks of 0.15 s, white noise and dither spread by under 0.5 dB, hum with hiss
    /// by under 0.5, pink and brown noise by 0.75-1.5; speech by more, and quiet music
    /// too (2 of the 13 music windows below -40 dBFS in GTZAN valid and the real-world
    /// songs fall under 1.5 dB; the README gives the measurement).
    public static let defaultDeadAirSpreadDB = 1.5
    public static let defaultDeadAirDBFS = -40.0

    public init(hopFrames: Int, silenceDBFS: Double = -60, deadAirDBFS: Double? = PipelineSettings.defaultDeadAirDBFS,
                deadAirSpreadDB: Double = PipelineSettings.defaultDeadAirSpreadDB, decisions: Decisions = .songs(SongDecisions.Settings()), maxSeconds: Double? = nil, tags: Bool = false) {
        self.hopFrames = hopFrames
        self.silenceDBFS = silenceDBFS
        self.deadAirDBFS = deadAirDBFS
        self.deadAirSpreadDB = deadAirSpreadDB
        self.decisions = decisions
        self.maxSeconds = maxSeconds
        self.tags = tags
    }
}

/// How the printed label follows the windows: the song-aware decisions (the default),
/// the older HMM smoother, or each window's own label.
public enum Decisions: Sendable, Equatable {
    case songs(SongDecisions.Settings)
    case hmm(Smoother.Settings)
    case off
}

/// Runs sources through the model: audio -> mono at the model's rate -> frames ->
/// windows -> `WindowResult`s, each handed to the caller, who decides where it goes.
///
/// Buffers are allocated here, at start-up; per source only the resampler
/// (whose ratio depends on the source) is made, and the read buffer grown when
/// a source has more channels than any before it. Nothing grows with stream length.
public final class Pipeline {
    /// The model: its frontend settings make the frontend, its graph the network.
    public let model: ModelFile
    public let settings: PipelineSettings
    private let frontend: MelFrontend
    private let assembler: WindowAssembler
    private let classifier: WindowClassifier
    private let lag: DecisionLag
    private let loudness: LoudnessMeter?
    private let converter: SourceReader
    /// A fused model's other members, each on its own frontend and window grid.
    private let lanes: [MemberLane]
    private let fusion: FusionStage?
    /// Index of the primary's rate in the converter's rates: the last, so that the other
    /// members have seen each chunk before the primary's windows that it completes.
    private let primaryRate: Int

    /// `model`'s weights are copied into its networks; `self.model` keeps the rest, so a
    /// caller that drops its own copy (`model = pipeline.model`) frees the file's tensors.
    public init(model: ModelFile, settings: PipelineSettings) throws {
        self.model = model.withoutTensors()
        self.settings = settings
        let frontendSettings = model.frontend
        frontend = try MelFrontend(settings: frontendSettings)
        assembler = WindowAssembler(settings: frontendSettings, hopFrames: settings.hopFrames)
        // One resampler per distinct rate, not per member.
        var rates: [Int] = []
        for member in model.members where member.frontend.sampleRate != frontendSettings.sampleRate && !rates.contains(member.frontend.sampleRate) {
            rates.append(member.frontend.sampleRate)
        }
        rates.append(frontendSettings.sampleRate)
        primaryRate = rates.count - 1
        lanes = try model.members.enumerated().map { k, member in
            try MemberLane(member: k + 1, model: member, rateIndex: rates.firstIndex(of: member.frontend.sampleRate)!)
        }
        let fusion = model.fusion.map { FusionStage(spec: $0, members: model.members) }
        self.fusion = fusion
        classifier = try WindowClassifier(network: Network(model: model), settings: settings, fusion: fusion)
        lag = DecisionLag(lag: settings.lagWindows)
        // Window k ends where the assembler says: the window's frames after k hops.
        let assembler = self.assembler, framesPerWindow = model.frontend.framesPerWindow, hopFrames = settings.hopFrames
        loudness = settings.loudness ? LoudnessMeter { k in assembler.seconds(frames: framesPerWindow + k * hopFrames) } : nil
        converter = SourceReader(outputRates: rates)
    }

    /// The labels of `WindowResult.soundTags`: a fused model's sound classes (empty without).
    public var soundTagLabels: [String] { fusion?.soundTagLabels ?? [] }

    /// Labels of a genre output that are not music: a window whose top label is one of
    /// them is reported as such and never feeds the genre belief (nor does silence).
    public static let nonMusicLabels: Set<String> = ["speech", "other"]

    /// Seconds between window starts.
    public var hopSeconds: Double {
        assembler.seconds(frames: settings.hopFrames)
    }

    /// Processes one source to its end (or to a stop request), handing every event
    /// (window results, the source's notices, stalls, the end) to `emit` as it happens,
    /// each stamped once. Ends with `.ended` unless it throws; a stall that ends the run
    /// (`StallWatch.exitOnStall`) is emitted, then thrown as `EngineError.stalled`.
    public func run(_ source: AudioSource, emit: (StreamEvent) throws -> Void) throws {
        try run(opening: { source }, stallWatch: source.stallWatch, emit: emit)
    }

    /// As `run(_:emit:)`, opening the source first with `open`: a live input can stall
    /// before its first audio (a header that never comes), and `stallWatch`, the watch
    /// `open` gives the source, reports that as this run's event too.
    public func run(opening open: () throws -> AudioSource, stallWatch watch: StallWatch?,
                    emit: (StreamEvent) throws -> Void) throws {
        // Before opening: a stall while the source opens is stamped at 0 s of this input.
        frontend.reset()
        // The stall watch reports from inside a read, while the network is idle: its
        // events join the others here, for this run only.
        var resumedAfter: Double? = nil
        try withoutActuallyEscaping(emit) { emit in
            watch?.onEvent = { [unowned self] event in
                switch event {
                case .stalled(let seconds):
                    try emit(StreamEvent(.stalled(secondsWithoutAudio: seconds, endsRun: watch?.exitOnStall ?? false),
                                         streamSeconds: heardSeconds, wallSeconds: Clocks.wallSeconds()))
                case .resumed(let seconds):
                    resumedAfter = seconds
                }
            }
            defer { watch?.onEvent = nil }
            try run(open(), resumedAfter: { defer { resumedAfter = nil }; return resumedAfter }, emit: emit)
        }
    }

    /// Seconds of the current source heard so far, at the primary member's frame rate.
    private var heardSeconds: Double { model.frontend.seconds(frames: frontend.framesProduced) }

    private func run(_ source: AudioSource, resumedAfter: () -> Double?, emit: (StreamEvent) throws -> Void) throws {
        let frontendSettings = model.frontend
        func notice(_ notice: Notice) throws {
            try emit(StreamEvent(.notice(notice), streamSeconds: heardSeconds, wallSeconds: Clocks.wallSeconds()))
        }
        // After a stall, audio again is said with the next window (see `StreamEvent.resumed`).
        func onWindow(_ result: WindowResult) throws {
            let wall = Clocks.wallSeconds()
            if let seconds = resumedAfter() {
                try emit(StreamEvent(.resumed(secondsStalled: seconds), streamSeconds: result.startSeconds, wallSeconds: wall))
            }
            try emit(StreamEvent(.window(result), streamSeconds: result.endSeconds, wallSeconds: wall))
        }
        if Double(source.format.sampleRate) < 2 * frontendSettings.fmax {
            try notice(Notice(.warning, "\(source.name) is \(source.format.sampleRate) Hz: mel bands above \(source.format.sampleRate / 2) Hz "
                              + "will be empty (the model expects \(frontendSettings.sampleRate) Hz audio); genre accuracy will suffer"))
        }
        assembler.reset()
        classifier.reset()
        for lane in lanes { lane.reset() }
        let fusion = self.fusion
        func onMemberWindow(_ lane: MemberLane, _ endSeconds: Double) { fusion?.add(lane, endSeconds: endSeconds) }
        var windows = 0
        var pendingGaps = 0
        // CPU time of the frontend since the last window: from `mark` to each window's
        // completion, the network's own time excluded.
        var frontendSeconds = 0.0
        var mark = 0.0
        // A fused model's music window waits here until every other member has emitted
        // its windows that end in it (their resamplers and frames lag the primary's by
        // milliseconds). At most one waits: the next window releases it in any case.
        var waiting: (result: WindowResult, endSeconds: Double)? = nil
        let classifier = self.classifier, lag = self.lag
        func handOn(_ result: WindowResult) throws {
            try lag.process(result, relabel: classifier.relabel, emit: onWindow)
        }
        func release() throws {
            guard let (waitedResult, endSeconds) = waiting else { return }
            var result = waitedResult
            waiting = nil
            try classifier.decide(&result, endSeconds: endSeconds)
            windows += 1
            try handOn(result)
        }
        func releaseIfPassed() throws {
            guard let endSeconds = waiting?.endSeconds, lanes.allSatisfy({ $0.hasPassed(endSeconds) }) else { return }
            try release()
        }
        func onWindowReady(_ window: WindowAssembler.Window) throws {
            frontendSeconds += Clocks.threadCPUSeconds() - mark
            try release()
            var result = WindowResult(
                source: source.name, index: window.index, kind: .music, startSeconds: window.startSeconds,
                endSeconds: window.endSeconds, newSeconds: window.newSeconds, label: nil, confidence: nil,
                rawLabel: nil, rawConfidence: nil, levelDBFS: window.levelDBFS, isPartial: window.isPartial,
                gaps: pendingGaps, frontendSeconds: frontendSeconds)
            result.loudness = loudness?.loudness(forWindow: window.index)
            pendingGaps = 0
            frontendSeconds = 0
            try self.classifier.classify(window, into: &result)
            // The other members' networks ran inside the frontend's time: move it to the network's.
            for lane in lanes {
                let seconds = lane.takeNetworkSeconds()
                result.networkSeconds += seconds
                result.frontendSeconds -= seconds
            }
            if fusion != nil && result.kind == .music {
                waiting = (result, window.endSeconds)
                try releaseIfPassed()
            } else {
                windows += 1
                try handOn(result)
            }
            mark = Clocks.threadCPUSeconds()
        }
        if let loudness {
            try AudioLimits.check(source.format, declaredBy: source.name)
            try loudness.start(source.format, sourceName: source.name)
        }
        let stoppedBySignal = try converter.run(
            source, maxSeconds: settings.maxSeconds, onGaps: { pendingGaps += $0 }, onNotice: notice,
            onInterleaved: loudness.map { meter in { meter.process($0, frames: $1) } }
        ) { rate, samples in
            mark = Clocks.threadCPUSeconds()
            for lane in lanes where lane.rateIndex == rate { try lane.process(samples, emit: onMemberWindow) }
            if !lanes.isEmpty {
                frontendSeconds += Clocks.threadCPUSeconds() - mark
                try releaseIfPassed()
                mark = Clocks.threadCPUSeconds()
            }
            if rate == primaryRate { try frontend.process(samples) { try assembler.process($0, emit: onWindowReady) } }
            frontendSeconds += Clocks.threadCPUSeconds() - mark
        }
        // End of input (or a stop request): the last frames, then the partial
        // window if there is enough of it; the other members first.
        mark = Clocks.threadCPUSeconds()
        for lane in lanes { try lane.finish(emit: onMemberWindow) }
        try frontend.finish { try assembler.process($0, emit: onWindowReady) }
        try assembler.finish(emit: onWindowReady)
        try release()
        try lag.finish(relabel: classifier.relabel, emit: onWindow)
        if windows == 0 && !stoppedBySignal {
            try notice(Notice(.warning, "\(source.name): the input ended before half a window "
                              + "(\(TextFormatting.fixed(frontendSettings.windowSeconds / 2, 1)) s) of audio; no line written"))
        }
        try emit(StreamEvent(.ended(InputEnd(windows: windows, seconds: heardSeconds, stoppedBySignal: stoppedBySignal)),
                             streamSeconds: heardSeconds, wallSeconds: Clocks.wallSeconds()))
    }
}

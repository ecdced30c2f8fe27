import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Engine

/// The main job: audio in, one genre line per window out.
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",  // given, not derived: the parser derives it by reflection, ~0.2 ms of start-up
        abstract: "Classify audio from stdin, an ALSA device or files (the default command).")

    @Argument(help: ArgumentHelp("Audio files (wav, flac, ogg, mp3, ...), processed in order; '-' or none reads stdin.",
                                 valueName: "file"))
    var files: [String] = []

    @Option(name: [.customShort("f"), .customLong("format")],
            help: ArgumentHelp("Raw PCM sample format on stdin when there is no WAV/AU header, with arecord's names: \(RawPCMFormat.arecordNames) (cd and dat also set rate and channels, unless -r/-c are given). Default S16_LE.",
                               valueName: "format"))
    var rawFormat: String?

    @Option(name: [.customShort("r"), .customLong("rate")], help: ArgumentHelp("Raw PCM sample rate in Hz. Default: the model's rate (16000 for musicnn, 22050 for small).", valueName: "hz"))
    var rawRate: Int?

    @Option(name: [.customShort("c"), .customLong("channels")], help: ArgumentHelp("Raw PCM channel count. Default 1.", valueName: "n"))
    var rawChannels: Int?

    @Option(name: [.customShort("D"), .customLong("device")], help: ArgumentHelp("Capture from this ALSA device (default, hw:1,0, plughw:...) instead of stdin.", valueName: "name"))
    var device: String?

    @Option(help: ArgumentHelp("A built-in model (\(ModelFile.BuiltIn.allCases.map(\.rawValue).joined(separator: ", ")); see 'genre-stream models') or a model file. Default: \(ModelFile.BuiltIn.standard.rawValue).", valueName: "name|path"))
    var model: String?

    @Flag(help: ArgumentHelp("Also print the model's free tags (musicnn: 50 Last.fm tags such as 'female vocalists', 'dance', '80s') and, for the fused default, YAMNet's 521 AudioSet sounds ('Saxophone', 'Applause', 'Electronic music'): the top ones in human lines, all in jsonl and csv. On by itself for a model without genres."))
    var tags = false

    @Option(name: .customLong("top-tags"), help: ArgumentHelp("Tags listed per line in the human format.", valueName: "n"))
    var topTags: Int = 5

    @Option(help: ArgumentHelp("Output format: human, jsonl or csv.", valueName: "format"))
    var output: String = "human"

    @Option(help: ArgumentHelp("Time stamp: 'stream' (position in the audio) or 'wall' (ISO-8601 UTC wall clock).", valueName: "clock"))
    var clock: String = "stream"

    @Option(help: ArgumentHelp("Genres listed per line in the human format.", valueName: "n"))
    var top: Int = 3

    @Option(name: .customLong("silence-db"), help: ArgumentHelp("Windows quieter than this level (dBFS) are labelled 'silence'.", valueName: "dBFS"))
    var silenceDB: Double = -60

    @Option(name: .customLong("hop-seconds"),
            help: ArgumentHelp("Seconds between window starts; below the window length (3 s) windows overlap. Default: the window length.", valueName: "seconds"))
    var hopSeconds: Double?

    @Option(help: ArgumentHelp("How the label follows the windows (default 'songs', or 'hmm' when --smooth-seconds or --evidence-weight is given): 'songs' (song-aware: the decision over the current song's windows, a new song found where the genre evidence changes or after talk or silence), 'hmm' (the older HMM forward filter) or 'off' (each window's own label).", valueName: "mode"))
    var smooth: String?

    @Option(name: .customLong("change-nats"),
            help: ArgumentHelp("For --smooth songs: how much the windows must favour another genre (CUSUM of log-probability ratios, in nats) before a new song is taken to have begun; lower follows changes sooner, higher holds the label steadier.", valueName: "nats"))
    var changeNats: Double?

    @Option(name: .customLong("lag-seconds"),
            help: ArgumentHelp("For --smooth songs: decide each window's label with this many seconds of later audio (a fixed-lag decision, for logs that can wait): lines come that much later, each still saying the time it describes. 0 to 120.", valueName: "seconds"))
    var lagSeconds: Double?

    @Option(name: .customLong("talk-reset-seconds"),
            help: ArgumentHelp("For --smooth songs: talk (speech, other) at least this long ends the song; the next one starts with no carried belief.", valueName: "seconds"))
    var talkResetSeconds: Double?

    @Option(name: .customLong("smooth-seconds"),
            help: ArgumentHelp("For --smooth hmm: the time constant, in seconds, over which the belief in the genre playing fades without new evidence; shorter follows changes sooner, longer holds the label steadier. The same whatever --hop-seconds.", valueName: "seconds"))
    var smoothSeconds: Double?

    @Option(name: .customLong("evidence-weight"),
            help: ArgumentHelp("For --smooth hmm: each window's probabilities count as p^w; below 1 a single confident odd window moves the label less (0 < w <= 1).", valueName: "w"))
    var evidenceWeight: Double?

    /// True when stdin is the null device (`< /dev/null`, a service's default).
    private static func stdinIsDevNull() -> Bool {
        var input = stat(), null = stat()
        guard fstat(0, &input) == 0, stat("/dev/null", &null) == 0 else { return false }
        return (input.st_mode & S_IFMT) == S_IFCHR && input.st_rdev == null.st_rdev
    }

    /// `--smooth` as given; otherwise the older smoother when one of its settings is
    /// (a command line from before `songs` keeps its meaning), else `songs`.
    private var decisionMode: String {
        smooth ?? (smoothSeconds != nil || evidenceWeight != nil ? "hmm" : "songs")
    }

    @Option(help: ArgumentHelp("Stop each input after this many seconds of audio.", valueName: "seconds"))
    var duration: Double?

    @Option(name: .customLong("dead-air-db"),
            help: ArgumentHelp("Windows quieter than this level (dBFS) whose level is near-constant (a noise floor, dither, hum: dead air) are also 'silence'; 'off' turns the test off. Default \(Int(PipelineSettings.defaultDeadAirDBFS)).", valueName: "dBFS|off"))
    var deadAirDB: String?

    @Option(name: .customLong("dead-air-spread"),
            help: ArgumentHelp("For --dead-air-db: the largest spread (standard deviation, dB) of a window's hop levels that still counts as near-constant.", valueName: "dB"))
    var deadAirSpread: Double = PipelineSettings.defaultDeadAirSpreadDB

    @Option(name: .customLong("stall-timeout"),
            help: ArgumentHelp("A pipe or device that stays open but sends no audio for this long is stalled: one warning line, a count in the summary, JSONL ('stalls') and metrics; 0 turns the watchdog off. Files never stall.", valueName: "seconds"))
    var stallTimeout: Double = 30

    @Flag(name: .customLong("exit-on-stall"),
          help: ArgumentHelp("End with exit code 75 (EX_TEMPFAIL) on a stall, after the lines and the summary so far, so that a service manager restarts the input."))
    var exitOnStall = false

    @Flag(help: ArgumentHelp("Print one line per segment (a stretch with one smoothed label: start, end, label, mean confidence) when the label changes, instead of one per window."))
    var segments = false

    @Option(name: .customLong("segments-file"),
            help: ArgumentHelp("Also append segment lines to this file (in the --output format), keeping the window lines on stdout.", valueName: "path"))
    var segmentsFile: String?

    @Option(help: LiveMonitorSink.help) var listen: String?

    @Flag(help: ArgumentHelp("Measure loudness by EBU R128 / ITU-R BS.1770 (libebur128) on the decoded audio, every channel at its own rate: momentary and short-term loudness at each window's end and the true peak within it, the integrated loudness and range in the summary."))
    var loudness = false

    @Option(name: .customLong("name"),
            help: ArgumentHelp("The stream's name, in the source field of every output line and the summary, as a stream label on every metric and in the live page's title (one instance, one stream).", valueName: "name"))
    var streamName: String?

    @Option(help: ArgumentHelp("Where the summary (time per label, segments, windows, silence, gaps, stalls) goes at the end of each input and on SIGUSR1: 'stderr', 'off' (SIGUSR1 then still writes to stderr), or a file to append to. JSON with --output jsonl.", valueName: "stderr|off|path"))
    var summary: String = "stderr"

    func validate() throws {
        // A service with no input named reads the /dev/null systemd gives it, ends at once and
        // is restarted for ever (issue 17, defect 4): say so, as a usage error the unit does not restart.
        if files.isEmpty && device == nil && Self.stdinIsDevNull() {
            throw ValidationError("stdin is /dev/null and no input is named: nothing to classify; give FILE..., --device NAME, "
                                  + "or pipe audio in (in a systemd unit: set STREAM_URL or --device)")
        }
        try LiveMonitorSink.validate(listen)
        if let streamName {
            if streamName.isEmpty || streamName.count > 100 || streamName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw ValidationError("--name must be 1 to 100 characters without control characters")
            }
            if files.count > 1 { throw ValidationError("--name names one stream; \(files.count) files were given") }
        }
        if device != nil && !files.isEmpty {
            throw ValidationError("--device captures from ALSA; it cannot be combined with files")
        }
        if let rawFormat, RawPCMFormat(arecordName: rawFormat, sampleRate: nil, channels: nil, defaultSampleRate: 16000) == nil {
            throw ValidationError("unknown --format '\(rawFormat)'; use one of \(RawPCMFormat.arecordNames)")
        }
        if let rawRate, !AudioLimits.sampleRates.contains(rawRate) {
            throw ValidationError("--rate \(rawRate) is outside \(AudioLimits.sampleRates.lowerBound)...\(AudioLimits.sampleRates.upperBound) Hz")
        }
        if let rawChannels, !(1...AudioLimits.maxChannels).contains(rawChannels) {
            throw ValidationError("--channels \(rawChannels) is outside 1...\(AudioLimits.maxChannels)")
        }
        if OutputFormat(rawValue: output) == nil { throw ValidationError("unknown --output '\(output)'; use human, jsonl or csv") }
        if ClockMode(rawValue: clock) == nil { throw ValidationError("unknown --clock '\(clock)'; use stream or wall") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if topTags < 1 { throw ValidationError("--top-tags must be at least 1") }
        if !silenceDB.isFinite { throw ValidationError("--silence-db must be a number of dBFS") }
        if let hopSeconds, !(hopSeconds > 0) { throw ValidationError("--hop-seconds must be greater than 0") }
        if let smooth, !["songs", "hmm", "off"].contains(smooth) { throw ValidationError("unknown --smooth '\(smooth)'; use songs, hmm or off") }
        if let lagSeconds, !(lagSeconds >= 0 && lagSeconds <= 120) { throw ValidationError("--lag-seconds must be a number of seconds from 0 to 120") }
        if let changeNats, !(changeNats > 0 && changeNats.isFinite) { throw ValidationError("--change-nats must be a number greater than 0") }
        if let talkResetSeconds, !(talkResetSeconds > 0 && talkResetSeconds.isFinite) { throw ValidationError("--talk-reset-seconds must be a number of seconds greater than 0") }
        if let evidenceWeight, !(evidenceWeight > 0 && evidenceWeight <= 1) { throw ValidationError("--evidence-weight must be in (0, 1]") }
        if let smoothSeconds, !(smoothSeconds > 0 && smoothSeconds.isFinite) { throw ValidationError("--smooth-seconds must be a number of seconds greater than 0") }
        // Each mode's settings belong to it: a setting of another mode is a mistake worth naming.
        let songsOnly = [("--lag-seconds", lagSeconds), ("--change-nats", changeNats), ("--talk-reset-seconds", talkResetSeconds)]
        if decisionMode != "songs", let (flag, _) = songsOnly.first(where: { $0.1 != nil }) {
            throw ValidationError("\(flag) is a setting of --smooth songs, not of --smooth \(decisionMode)")
        }
        if decisionMode != "hmm", let (flag, _) = [("--smooth-seconds", smoothSeconds), ("--evidence-weight", evidenceWeight)].first(where: { $0.1 != nil }) {
            throw ValidationError("\(flag) is a setting of --smooth hmm, not of --smooth \(decisionMode)")
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be greater than 0") }
        if let deadAirDB, deadAirDB != "off", !(Double(deadAirDB)?.isFinite ?? false) {
            throw ValidationError("--dead-air-db must be a number of dBFS or 'off'")
        }
        if !(deadAirSpread >= 0 && deadAirSpread.isFinite) { throw ValidationError("--dead-air-spread must be a number of dB, 0 or more") }
        if !(stallTimeout >= 0 && stallTimeout.isFinite) { throw ValidationError("--stall-timeout must be a number of seconds, 0 or more") }
        if exitOnStall && stallTimeout == 0 { throw ValidationError("--exit-on-stall needs a --stall-timeout above 0") }
        if summary.isEmpty { throw ValidationError("--summary needs 'stderr', 'off' or a path") }
    }

    func run() throws {
        let code = Runner.exitCode { try classify() }
        if code != 0 { throw ExitCode(code) }
    }

    private func classify() throws -> Int32 {
        var model = try model.map { try ModelFile.load(nameOrPath: $0) } ?? ModelFile.embedded()
        let tagOutput = model.output(ModelOutput.tags)
        let showTags = tags || model.output(ModelOutput.genre) == nil
        if model.output(ModelOutput.genre) == nil {
            note("model \(model.name) has no genre output; printing its tags only")
        }
        let f = model.frontend
        var hopFrames = f.framesPerWindow
        if let hopSeconds {
            hopFrames = f.frames(seconds: hopSeconds)
            guard hopFrames >= 1, hopFrames <= f.framesPerWindow else {
                throw EngineError.usage("--hop-seconds \(hopSeconds) must lie between one frame (\(TextFormatting.fixed(f.seconds(frames: 1), 3)) s) and the window (\(TextFormatting.fixed(f.windowSeconds, 3)) s)")
            }
            // Windows start on frame boundaries: say so when that moves the hop asked for.
            let actual = f.seconds(frames: hopFrames)
            if abs(actual - hopSeconds) > 0.0005 {
                note("--hop-seconds \(TextFormatting.fixed(hopSeconds, 3)) is rounded to \(hopFrames) frames of model \(model.name) = \(TextFormatting.fixed(actual, 3)) s")
            }
        }
        let format = OutputFormat(rawValue: output)!, clockMode = ClockMode(rawValue: clock)!
        let tagLabels = showTags ? tagOutput?.labels ?? [] : []
        let decisions: Decisions = switch decisionMode {
        case "off": .off
        case "hmm": .hmm(Smoother.Settings(timeConstant: smoothSeconds ?? Smoother.defaultTimeConstant,
                                           evidenceWeight: evidenceWeight ?? Smoother.defaultEvidenceWeight))
        default: .songs(SongDecisions.Settings(changeNats: changeNats ?? SongDecisions.defaultChangeNats,
                                               talkResetSeconds: talkResetSeconds ?? SongDecisions.defaultTalkResetSeconds))
        }
        var settings = PipelineSettings(
            hopFrames: hopFrames, silenceDBFS: silenceDB,
            deadAirDBFS: deadAirDB == "off" ? nil : deadAirDB.flatMap(Double.init) ?? PipelineSettings.defaultDeadAirDBFS,
            deadAirSpreadDB: deadAirSpread,
            decisions: decisions,
            maxSeconds: duration, tags: showTags)
        // Whole windows: a lag of a fraction of the hop already waits for the next window.
        settings.loudness = loudness
        settings.lagWindows = Int(((lagSeconds ?? 0) / f.seconds(frames: hopFrames)).rounded(.up))
        let pipeline = try Pipeline(model: model, settings: settings)
        // The networks hold their own weights now: the file's copies are freed (18 MB for the fused model).
        model = pipeline.model
        if (segments || segmentsFile != nil) && model.output(ModelOutput.genre) == nil {
            throw EngineError.usage("--segments needs a model with a genre output; \(model.name) has tags only")
        }

        // The sinks: where results go.
        let report = SummaryReport(destination: summary == "stderr" || summary == "off" ? .stderr : .file(try LineWriter(appendingTo: summary)),
                                   json: format == .jsonl, atEndOfInput: summary != "off")
        SummarySignal.install(report)
        let stdout = LineWriter()
        var sinks: [ResultSink] = []
        if segments {
            sinks.append(try SegmentLines(formatter: SegmentFormatter(format: format, clock: clockMode, showSource: files.count > 1), writer: stdout))
        } else {
            sinks.append(try WindowLines(
                formatter: LineFormatter(format: format, clock: clockMode, labels: model.labels, top: min(top, model.labels.count),
                                         showSource: files.count > 1, tagLabels: tagLabels, topTags: min(topTags, max(tagLabels.count, 1)),
                                         soundLabels: showTags ? pipeline.soundTagLabels : [], loudness: loudness),
                writer: stdout))
        }
        if let segmentsFile {
            sinks.append(try SegmentLines(formatter: SegmentFormatter(format: format, clock: clockMode, showSource: true),
                                          writer: LineWriter(appendingTo: segmentsFile)))
        }
        sinks.append(report)
        // After the SIGUSR1 thread: the listener's threads inherit its blocked SIGUSR1.
        let live = try listen.map { try LiveMonitorSink(listen: $0, model: model, hopSeconds: pipeline.hopSeconds, stream: streamName) }
        if let live { sinks.append(live) }
        let segmentSinks = sinks.compactMap { $0 as? SegmentLines }
        // After a stall, "audio again" is said with the next window: bytes that come only to
        // end the stream (a writer flushing as it exits) are its end, not audio again.
        var resumedAfter: (input: String, seconds: Double)? = nil
        let run = { (input: AudioSource) throws in
            let source = streamName.map { NamedSource(input, name: $0) } ?? input
            report.startInput(source: source.name)
            // What was computed before an error is still written out: segments and the summary.
            var failure: Error? = nil
            do {
                _ = try pipeline.run(source) { result in
                    if let resumed = resumedAfter {
                        note("\(resumed.input): audio again after \(TextFormatting.fixed(resumed.seconds, 1)) s")
                        resumedAfter = nil
                    }
                    let now = Clocks.wallSeconds()
                    for sink in sinks { try sink.window(result, wallSeconds: now) }
                }
                resumedAfter = nil
            } catch {
                // A stall that ends the run (--exit-on-stall) is thrown, not reported: count it here.
                if case EngineError.stalled = error {
                    report.stalled()
                    live?.stalled()
                }
                if error is LineWriter.ReaderClosed { report.readerLeft() }
                failure = error
            }
            for sink in sinks {
                do { try sink.endOfInput() } catch { failure = failure ?? error }
            }
            if let failure { throw failure }
        }

        // The watchdog for live input: stdin on a pipe, or a device.
        func watch(_ input: String) -> StallWatch? {
            guard stallTimeout > 0 else { return nil }
            return StallWatch(timeout: stallTimeout, exitOnStall: exitOnStall) { event in
                switch event {
                case .stalled(let seconds):
                    warn("\(input): no audio for \(TextFormatting.fixed(seconds, 1)) s: the input is open but stalled; waiting")
                    report.stalled()
                    live?.stalled()
                    // A stall ends the segment in progress (a closed stdout shows at the next window).
                    for sink in segmentSinks { try? sink.stalled() }
                case .resumed(let seconds):
                    resumedAfter = (input, seconds)
                    live?.resumed()
                }
            }
        }

        if let device {
            try run(ALSACapture(device: device, preferredRate: f.sampleRate, stallWatch: watch("alsa:\(device)")))
            return 0
        }
        let raw = RawPCMFormat(arecordName: rawFormat ?? "S16_LE", sampleRate: rawRate, channels: rawChannels,
                               defaultSampleRate: f.sampleRate)!
        if files.isEmpty || files == ["-"] {
            try run(StdinSource(fileDescriptor: 0, raw: raw, stallWatch: watch("stdin")))
            return 0
        }
        // Files: a file that cannot be read is reported and skipped, the others
        // still run; the exit code then tells that one failed.
        var failure: Int32 = 0
        for path in files {
            if StopRequest.isSet { break }
            do {
                let source: AudioSource = path == "-" ? try StdinSource(fileDescriptor: 0, raw: raw, stallWatch: watch("stdin"))
                                                      : try SoundFileSource(path: path)
                try run(source)
            } catch let error as EngineError where error.exitCode == 65 || error.exitCode == 66 {
                reportError(error.description)
                failure = failure == 0 ? error.exitCode : failure
            }
        }
        return failure
    }
}

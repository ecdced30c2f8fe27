import ArgumentParser
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
            help: ArgumentHelp("Raw PCM sample format on stdin when there is no WAV/AU header, with arecord's names: \(SampleEncoding.arecordNames). Default S16_LE.",
                               valueName: "format"))
    var rawFormat: String?

    @Option(name: [.customShort("r"), .customLong("rate")], help: ArgumentHelp("Raw PCM sample rate in Hz. Default 22050.", valueName: "hz"))
    var rawRate: Int?

    @Option(name: [.customShort("c"), .customLong("channels")], help: ArgumentHelp("Raw PCM channel count. Default 1.", valueName: "n"))
    var rawChannels: Int?

    @Option(name: [.customShort("D"), .customLong("device")], help: ArgumentHelp("Capture from this ALSA device (default, hw:1,0, plughw:...) instead of stdin.", valueName: "name"))
    var device: String?

    @Option(help: ArgumentHelp("A built-in model (\(ModelFile.BuiltIn.allCases.map(\.rawValue).joined(separator: ", ")); see 'genre-stream models') or a model file. Default: musicnn.", valueName: "name|path"))
    var model: String?

    @Flag(help: ArgumentHelp("Also print the model's free tags (musicnn: 50 Last.fm tags such as 'female vocalists', 'dance', '80s'): the top ones in human lines, all in jsonl and csv. On by itself for a model without genres."))
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

    @Option(help: ArgumentHelp("Smoothing of the label over windows: 'hmm' (an HMM forward filter) or 'off'.", valueName: "mode"))
    var smooth: String = "hmm"

    @Option(name: .customLong("smooth-seconds"),
            help: ArgumentHelp("For --smooth hmm: the time constant, in seconds, over which the belief in the genre playing fades without new evidence; shorter follows changes sooner, longer holds the label steadier. The same whatever --hop-seconds.", valueName: "seconds"))
    var smoothSeconds: Double = Smoother.defaultTimeConstant

    @Option(name: .customLong("evidence-weight"),
            help: ArgumentHelp("For --smooth hmm: each window's probabilities count as p^w; below 1 a single confident odd window moves the label less (0 < w <= 1).", valueName: "w"))
    var evidenceWeight: Double = Smoother.defaultEvidenceWeight

    @Option(help: ArgumentHelp("Stop each input after this many seconds of audio.", valueName: "seconds"))
    var duration: Double?

    @Option(help: Listen.help) var listen: String?

    func validate() throws {
        try Listen.validate(listen)
        if device != nil && !files.isEmpty {
            throw ValidationError("--device captures from ALSA; it cannot be combined with files")
        }
        if let rawFormat, SampleEncoding(arecordName: rawFormat) == nil {
            throw ValidationError("unknown --format '\(rawFormat)'; use one of \(SampleEncoding.arecordNames)")
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
        if smooth != "hmm" && smooth != "off" { throw ValidationError("unknown --smooth '\(smooth)'; use hmm or off") }
        if !(evidenceWeight > 0 && evidenceWeight <= 1) { throw ValidationError("--evidence-weight must be in (0, 1]") }
        if !(smoothSeconds > 0 && smoothSeconds.isFinite) { throw ValidationError("--smooth-seconds must be a number of seconds greater than 0") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be greater than 0") }
    }

    func run() throws {
        let code = Runner.exitCode { try classify() }
        if code != 0 { throw ExitCode(code) }
    }

    private func classify() throws -> Int32 {
        let model = try model.map { try ModelFile.load(nameOrPath: $0) } ?? ModelFile.embedded()
        let tagOutput = model.output(ModelOutput.tags)
        let showTags = tags || model.output(ModelOutput.genre) == nil
        if showTags && tagOutput == nil {
            throw EngineError.usage("model \(model.name) has no tags output (its outputs: \(model.outputs.map(\.name).joined(separator: ", ")))")
        }
        if model.output(ModelOutput.genre) == nil {
            note("model \(model.name) has no genre output; printing its tags only")
        }
        let f = model.frontend
        var hopFrames = f.framesPerWindow
        if let hopSeconds {
            hopFrames = Int((hopSeconds * Double(f.sampleRate) / Double(f.hopLength)).rounded())
            guard hopFrames >= 1, hopFrames <= f.framesPerWindow else {
                throw EngineError.usage("--hop-seconds \(hopSeconds) must lie between one frame (\(TextFormatting.fixed(Double(f.hopLength) / Double(f.sampleRate), 3)) s) and the window (\(TextFormatting.fixed(f.windowSeconds, 3)) s)")
            }
        }
        let tagLabels = showTags ? tagOutput?.labels ?? [] : []
        let formatter = LineFormatter(format: OutputFormat(rawValue: output)!, clock: ClockMode(rawValue: clock)!,
                                      labels: model.labels, top: min(top, model.labels.count), showSource: files.count > 1,
                                      tagLabels: tagLabels, topTags: min(topTags, max(tagLabels.count, 1)))
        let writer = LineWriter()
        let settings = PipelineSettings(
            hopFrames: hopFrames, silenceDBFS: silenceDB,
            smoothing: smooth == "off" ? nil : Smoother.Settings(timeConstant: smoothSeconds, evidenceWeight: evidenceWeight),
            maxSeconds: duration, tags: showTags)
        let pipeline = try Pipeline(network: Network(model: model), settings: settings, formatter: formatter, writer: writer)
        let live = Listen.start(listen, model: model, hopSeconds: Double(hopFrames * f.hopLength) / Double(f.sampleRate))
        if let code = live.failure { return code }
        pipeline.onWindow = live.sink
        if let header = formatter.headerLine { try writer.write(line: header) }

        if let device {
            _ = try pipeline.run(ALSACapture(device: device, preferredRate: f.sampleRate))
            return 0
        }
        let raw = RawPCMFormat(encoding: rawFormat.flatMap(SampleEncoding.init(arecordName:)) ?? .s16LE,
                               sampleRate: rawRate ?? f.sampleRate, channels: rawChannels ?? 1)
        if files.isEmpty || files == ["-"] {
            _ = try pipeline.run(StdinSource(fileDescriptor: 0, raw: raw))
            return 0
        }
        // Files: a file that cannot be read is reported and skipped, the others
        // still run; the exit code then tells that one failed.
        var failure: Int32 = 0
        for path in files {
            if StopRequest.isSet { break }
            do {
                let source: AudioSource = path == "-" ? try StdinSource(fileDescriptor: 0, raw: raw) : try SoundFileSource(path: path)
                _ = try pipeline.run(source)
            } catch let error as EngineError where error.exitCode == 65 || error.exitCode == 66 {
                reportError(error.description)
                failure = failure == 0 ? error.exitCode : failure
            }
        }
        return failure
    }
}

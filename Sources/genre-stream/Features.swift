import ArgumentParser
import Engine
import Report

/// Writes what the engine computes from a file, for training: its frames, or the
/// network's outputs per window. Training material is made by the same code that
/// feeds the model in production, never by a second implementation.
struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",  // given, not derived: the parser derives it by reflection, ~0.2 ms of start-up
        abstract: "Write a file's frames, or the model's outputs per window, as a float32 .npy.",
        discussion: """
            Without --outputs: the frontend's frames, [n_mels, frames] (before any window clamp or \
            standardisation). With --outputs: one row per whole window, [windows, columns]: the window's \
            level in dBFS first if --level, then the named outputs' values in the order given \
            (e.g. --outputs embedding,tag_logits: 200 + 50 columns).
            """)

    @Argument(help: ArgumentHelp("Audio file to analyse.", valueName: "file"))
    var input: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the .npy.", valueName: "path"))
    var outputPath: String

    @Option(help: ArgumentHelp("A built-in model or model file whose frontend (and network) to use instead of the default.", valueName: "name|path"))
    var model: String?

    @Option(help: ArgumentHelp("Comma-separated model outputs to write per window (e.g. embedding,tag_logits) instead of the frames.", valueName: "names"))
    var outputs: String?

    @Flag(help: "With --outputs: put each window's level (dBFS) in column 0.")
    var level = false

    @Option(name: .customLong("hop-seconds"), help: ArgumentHelp("With --outputs: seconds between window starts (default: the window, no overlap).", valueName: "seconds"))
    var hopSeconds: Double?

    @Option(name: .customLong("skip-samples"),
            help: ArgumentHelp("Drop this many samples (at the model's rate) first, shifting the frame grid (a frame phase for training).", valueName: "n"))
    var skipSamples: Int = 0

    func validate() throws {
        if skipSamples < 0 { throw ValidationError("--skip-samples must be 0 or more") }
        if outputs == nil && (level || hopSeconds != nil) { throw ValidationError("--level and --hop-seconds need --outputs") }
        if let hopSeconds, !(hopSeconds > 0) { throw ValidationError("--hop-seconds must be greater than 0") }
    }

    func run() throws {
        let code = Runner.exitCode {
            let model = try model.map { try ModelFile.load(nameOrPath: $0) } ?? ModelFile.embedded()
            let source = try SoundFileSource(path: input)
            guard let outputs else {
                let frames = try FeatureExtractor.frames(of: source, settings: model.frontend, skipSamples: skipSamples,
                                                         onNotice: Diagnostics.report)
                try NumpyFile.write(frames.values, shape: [frames.nMels, frames.count], to: outputPath)
                return 0
            }
            let wanted = try outputs.split(separator: ",").map { name -> ModelOutput in
                guard let output = model.output(String(name)) else {
                    throw EngineError.usage("model \(model.name) has no output \"\(name)\" (it has: \(model.outputs.map(\.name).joined(separator: ", ")))")
                }
                return output
            }
            let f = model.frontend
            let hopFrames = hopSeconds.map { max(1, min(f.framesPerWindow, f.frames(seconds: $0))) }
                ?? f.framesPerWindow
            let windows = try FeatureExtractor.windows(of: source, network: Network(model: model), outputs: wanted,
                                                       hopFrames: hopFrames, withLevel: level, skipSamples: skipSamples,
                                                       onNotice: Diagnostics.report)
            try NumpyFile.write(windows.values, shape: [windows.count, windows.columns], to: outputPath)
            return 0
        }
        if code != 0 { throw ExitCode(code) }
    }
}

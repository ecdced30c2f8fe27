import ArgumentParser
import Engine

/// Writes a file's log-mel frames with the engine's own frontend, for training.
struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",  // given, not derived: the parser derives it by reflection, ~0.2 ms of start-up
        abstract: "Write the log-mel frames of an audio file as a float32 .npy [n_mels, frames] (dB, not standardised).")

    @Argument(help: ArgumentHelp("Audio file to analyse.", valueName: "file"))
    var input: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the .npy.", valueName: "path"))
    var outputPath: String

    @Option(help: ArgumentHelp("A built-in model or model file whose frontend settings to use instead of the default model's.", valueName: "name|path"))
    var model: String?

    @Option(name: .customLong("skip-samples"),
            help: ArgumentHelp("Drop this many samples (at the model's rate) first, shifting the frame grid (a frame phase for training).", valueName: "n"))
    var skipSamples: Int = 0

    func validate() throws {
        if skipSamples < 0 { throw ValidationError("--skip-samples must be 0 or more") }
    }

    func run() throws {
        let code = Runner.exitCode {
            let model = try model.map { try ModelFile.load(nameOrPath: $0) } ?? ModelFile.embedded()
            let frames = try FeatureExtractor.frames(of: SoundFileSource(path: input), settings: model.frontend,
                                                     skipSamples: skipSamples)
            try NumpyFile.write(frames.values, shape: [frames.nMels, frames.count], to: outputPath)
            return 0
        }
        if code != 0 { throw ExitCode(code) }
    }
}

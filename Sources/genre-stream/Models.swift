import ArgumentParser
import Engine

/// Lists the models compiled into the binary, with what each costs and gives.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the built-in models: size, cost per window and outputs.")

    @Option(help: ArgumentHelp("Describe this model file as well.", valueName: "path"))
    var model: String?

    func run() throws {
        let code = Runner.exitCode {
            var rows: [(String, ModelFile)] = try ModelFile.BuiltIn.allCases.map { ($0.rawValue, try ModelFile.embedded($0)) }
            if let model { rows.append((model, try ModelFile.load(path: model))) }
            for (name, file) in rows { print(Models.describe(name, file, isDefault: name == ModelFile.BuiltIn.standard.rawValue)) }
            return 0
        }
        if code != 0 { throw ExitCode(code) }
    }

    static func describe(_ name: String, _ model: ModelFile, isDefault: Bool) -> String {
        let f = model.frontend
        let mflop = TextFormatting.fixed(Double(model.flopsPerWindow) / 1e6, 1)
        let megabytes = TextFormatting.fixed(Double(model.parameterCount * 4) / 1e6, 1)
        let outputs = model.outputs.map { o in
            o.name + "[\(o.labels?.count ?? model.nodes[o.node].shape.count)]"
        }.joined(separator: ", ")
        let compression: String
        switch f.compression {
        case .decibels: compression = "dB"
        case .log10OnePlus(let k): compression = "log10(1+\(TextFormatting.fixed(k, 0))x)"
        case .naturalLog(let offset): compression = "ln(x+\(offset))"
        }
        return "\(name)\(isDefault ? " (default)" : ""): \(model.name), format v\(model.version), "
            + "\(model.parameterCount) parameters (\(megabytes) MB), \(mflop) MFLOP per window; "
            + "outputs \(outputs); frontend \(f.sampleRate) Hz, n_fft \(f.nFFT)\(f.winLength != f.nFFT ? ", win \(f.winLength)" : ""), hop \(f.hopLength)\(f.center ? " centred" : ""), "
            + "\(f.nMels) mel bands to \(TextFormatting.fixed(f.fmax, 0)) Hz, \(compression), "
            + "\(f.framesPerWindow) frames = \(TextFormatting.fixed(f.windowSeconds, 3)) s per window"
    }
}

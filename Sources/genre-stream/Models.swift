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

    /// One line per model: its whole cost per window, then, for a fused model, one
    /// indented line per member.
    static func describe(_ name: String, _ model: ModelFile, isDefault: Bool) -> String {
        let mflop = TextFormatting.fixed(model.fusedFlopsPerWindow / 1e6, 1)
        let parameters = model.fusedParameterCount
        let megabytes = TextFormatting.fixed(Double(model.fusedWeightBytes) / 1e6, 1)
        var text = "\(name)\(isDefault ? " (default)" : ""): \(model.name), format v\(model.version), "
            + "\(parameters) parameters (\(megabytes) MB), "
        guard model.version >= 3 else { return text + member(model, primary: model) }
        text += "\(mflop) MFLOP per window (\(model.members.count + 1) members)"
        for m in [model] + model.members { text += "\n  " + (m.memberName ?? m.name) + ": " + member(m, primary: model) }
        return text
    }

    /// A network's cost, outputs and frontend.
    static func member(_ m: ModelFile, primary: ModelFile) -> String {
        let f = m.frontend
        let outputs = m.outputs.map { o in o.name + "[\(o.labels?.count ?? m.nodes[o.node].shape.count)]" }.joined(separator: ", ")
        let compression: String
        switch f.compression {
        case .decibels: compression = "dB"
        case .log10OnePlus(let k): compression = "log10(1+\(TextFormatting.fixed(k, 0))x)"
        case .naturalLog(let offset): compression = "ln(x+\(offset))"
        }
        var cost = TextFormatting.fixed(Double(m.flopsPerWindow) / 1e6, 1) + " MFLOP per \(TextFormatting.fixed(f.windowSeconds, 3))-s window"
        if m.memberName == nil && m.version >= 3 {
            let hop = f.seconds(frames: f.windowHopFrames)
            cost += " every \(TextFormatting.fixed(hop, 2)) s (\(TextFormatting.fixed(primary.frontend.windowSeconds / hop, 2)) per primary window)"
        }
        return cost + "; outputs \(outputs); frontend \(f.sampleRate) Hz, n_fft \(f.nFFT)\(f.winLength != f.nFFT ? ", win \(f.winLength)" : ""), "
            + "hop \(f.hopLength)\(f.center ? " centred" : ""), \(f.nMels) mel bands \(TextFormatting.fixed(f.fmin, 0))-\(TextFormatting.fixed(f.fmax, 0)) Hz, "
            + "\(f.power == 1 ? "magnitude, " : "")\(compression), \(f.framesPerWindow) frames per window"
    }
}

import Engine
import FuzzDriver

#if canImport(Glibc)
import Glibc
#endif

// libFuzzer target for the model loader (Weights/FORMAT.md: version 2's graph of named
// nodes and named outputs, and version 1's layer list), and for the network built from
// whatever model it accepts.
//
// Two preamble fields are rewritten to fit the input before loading, or almost every
// mutation would stop there and the JSON header, graph and tensor checks behind them
// would go unfuzzed: the header length at bytes 8..<12 becomes the distance to the
// first NUL byte (where the zero padding after the JSON starts, so that inserting or
// deleting bytes in the JSON keeps the file readable; inputs with no NUL keep theirs),
// and the CRC-32 at bytes 12..<16 is recomputed. (ModelFileTests cover both checks.)
// A model that loads is built into a `Network`, run once on a deterministic window, and
// every output it names is read back (`values(of:)`), whether or not it has a `genre`
// output: `probabilities(for:into:)` requires one, so it is not called here. ASan checks
// each kernel's reads and writes inside the value buffers the network planned.
//
// Built by scripts/fuzz.sh with libFuzzer; a plain build replays files instead:
// `ModelFuzzer FILE_OR_DIR...` runs each once and prints what became of it.

/// Models whose forward pass costs more than this are loaded and built but not run: the
/// loader accepts maps of up to 2^24 values, and one large conv node (or a stride-1
/// maxpool with a large kernel) takes seconds in a debug, sanitized build, which the
/// fuzzer would report as a timeout. The cost is `runCost(of:)`, not only the
/// convolutions' and dense layers' flops that `Network.flopsPerWindow` counts.
private let maximumCostRun = 50_000_000

/// An upper estimate of one forward pass's work in element operations: the multiply-adds
/// of convolutions and dense layers, each pooling window's elements, and one pass over
/// every input and output of the other nodes.
func runCost(of model: ModelFile) -> Int {
    var total = 0
    for node in model.nodes {
        let inputs = node.inputs.reduce(0) { $0 + model.nodes[$1].shape.count }
        var cost = inputs + node.shape.count
        switch node.op {
        case .maxpool(let kh, let kw, _, _): cost += node.shape.count * kh * kw
        default: break
        }
        let input = node.inputs.first.map { model.nodes[$0].shape } ?? node.shape
        // A strided convolution is computed at stride 1, then subsampled.
        var strides = 1
        if case let .conv2d(_, _, _, _, _, sh, sw, _) = node.op { strides = sh * sw }
        cost += node.flops(input: input) * strides
        total = total.addingReportingOverflow(cost).overflow ? .max : total + cost
    }
    return total
}

/// Returns what became of the input, for the replayer to print.
func fuzzModel(_ input: UnsafeRawBufferPointer) -> String {
    var bytes = Array(input)
    if bytes.count >= 16 {
        if let end = bytes[16...].firstIndex(of: 0) { store(UInt32(end - 16), at: 8, in: &bytes) }
        store(crc32(bytes[16...]), at: 12, in: &bytes)
    }
    let model: ModelFile
    do {
        model = try bytes.withUnsafeBytes { try ModelFile(bytes: $0, source: "fuzz input") }
    } catch let error as EngineError {
        guard case .model = error else { preconditionFailure("loader threw \(error), expected a model error") }
        return "\(error)"
    } catch {
        preconditionFailure("loader threw a non-EngineError: \(error)")
    }
    // A fused model's members are models of their own: each gets the same checks.
    var reports: [String] = []
    for member in [model] + model.members {
        reports.append(exercise(member))
    }
    if let fusion = model.fusion {
        precondition(fusion.labels == model.labels, "fusion labels \(fusion.labels) differ from the genre output's")
        for term in fusion.terms {
            precondition(term.weights.count == fusion.labels.count && term.member <= model.members.count, "fusion term \(term.memberName)")
        }
    }
    return reports.joined(separator: " | ")
}

/// Checks what the loader promises about one network it accepted, then runs it twice.
private func exercise(_ model: ModelFile) -> String {
    // What the loader promises about what it accepted (Weights/FORMAT.md).
    precondition(!model.outputs.isEmpty, "a model with no outputs loaded")
    precondition(model.nodes.first?.op == .input, "node 0 is not the input")
    for (index, node) in model.nodes.enumerated().dropFirst() {
        precondition(!node.inputs.isEmpty && node.inputs.allSatisfy { $0 >= 0 && $0 < index },
                     "node \(node.name) reads \(node.inputs), not all earlier nodes")
        precondition(node.shape.c > 0 && node.shape.h > 0 && node.shape.w > 0, "node \(node.name) has shape \(node.shape)")
    }
    for output in model.outputs {
        precondition(output.node > 0 && output.node < model.nodes.count, "output \(output.name) names node \(output.node)")
        if let labels = output.labels {
            precondition(labels.count == model.nodes[output.node].shape.count,
                         "output \(output.name): \(labels.count) labels for \(model.nodes[output.node].shape)")
        }
    }
    let cost = runCost(of: model)
    let network = Network(model: model)
    precondition(network.inputCount == model.nodes[0].shape.count, "inputCount \(network.inputCount)")
    let genre = model.output(ModelOutput.genre)
    precondition(network.labelCount == (genre.map { model.nodes[$0.node].shape.count } ?? 0),
                 "labelCount \(network.labelCount)")
    guard cost <= maximumCostRun else {
        return "loaded; about \(cost) operations per window, too many to run here"
    }
    let window = (0..<network.inputCount).map { Float(($0 * 7919) % 201) / 100 - 1 }
    window.withUnsafeBufferPointer { network.run($0) }
    var report: [String] = []
    for output in model.outputs {
        let node = model.nodes[output.node]
        let values = Array(network.values(of: output))
        precondition(values.count == node.shape.count, "output \(output.name): \(values.count) values for \(node.shape)")
        // Weights may be anything, even NaN or Inf; but a softmax of finite logits must
        // still be a distribution, and a sigmoid of finite values lies in [0, 1].
        if values.allSatisfy(\.isFinite) {
            switch node.op {
            case .softmax where values.count <= 65536:  // beyond that, float rounding in the kernel's sum
                let sum = values.reduce(0.0) { $0 + Double($1) }
                precondition(abs(sum - 1) < 1e-3 && values.allSatisfy { $0 >= 0 },
                             "output \(output.name): softmax sums to \(sum): \(values)")
            case .sigmoid:
                precondition(values.allSatisfy { $0 >= 0 && $0 <= 1 }, "output \(output.name): sigmoid gave \(values)")
            default:
                break
            }
        }
        report.append("\(output.name) (\(node.op.name) \(node.shape)) \(values.prefix(8))")
    }
    // A second run must give the same values: buffers shared between values are
    // planned so that nothing a later step reads is overwritten first.
    let first = model.outputs.map { Array(network.values(of: $0)) }
    window.withUnsafeBufferPointer { network.run($0) }
    for (output, before) in zip(model.outputs, first) {
        let after = Array(network.values(of: output))
        precondition(zip(before, after).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) },
                     "output \(output.name) differs between two runs on the same window")
    }
    return "loaded and ran: \(network.steps.count) steps, \(network.flopsPerWindow) flops; " + report.joined(separator: "; ")
}

private func store(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
    for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
}

/// zlib's CRC-32, written out here so that the harness does not trust the loader's own.
private let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

private func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes { crc = crcTable[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}

/// The libFuzzer entry point. The fuzzer runtime's own `main`, linked though unused,
/// refers to this symbol; `runFuzzTarget` passes the function to libFuzzer directly.
@_cdecl("LLVMFuzzerTestOneInput")
public func modelFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = fuzzModel(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum ModelFuzzerMain {
    static func main() {
        runFuzzTarget("ModelFuzzer", callback: modelFuzzerTestOneInput, describe: fuzzModel)
    }
}

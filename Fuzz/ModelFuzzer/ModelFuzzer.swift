import Engine
import FuzzDriver

#if canImport(Glibc)
import Glibc
#endif

// libFuzzer target for the model loader (Weights/FORMAT.md), and for the network built
// from whatever model it accepts.
//
// Two preamble fields are rewritten to fit the input before loading, or almost every
// mutation would stop there and the JSON header, layer chain and tensor checks behind
// them would go unfuzzed: the header length at bytes 8..<12 becomes the distance to the
// first NUL byte (where the zero padding after the JSON starts, so that inserting or
// deleting bytes in the JSON keeps the file readable; inputs with no NUL keep theirs),
// and the CRC-32 at bytes 12..<16 is recomputed. (ModelFileTests cover both checks.)
// A model that loads is run once on a deterministic window.
//
// Built by scripts/fuzz.sh with libFuzzer; a plain build replays files instead:
// `ModelFuzzer FILE_OR_DIR...` runs each once and prints what became of it.

/// Models whose forward pass costs more than this are loaded and built but not run: the
/// loader accepts maps of up to 512 x 4096 values, and one such conv layer takes seconds
/// in a debug, sanitized build, which the fuzzer would report as a timeout.
private let maximumFlopsRun = 50_000_000

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
    let network = Network(model: model)
    guard network.flopsPerWindow <= maximumFlopsRun else {
        return "loaded; \(network.flopsPerWindow) flops per window, too many to run here"
    }
    let window = (0..<network.inputCount).map { Float(($0 * 7919) % 201) / 100 - 1 }
    var probabilities = [Float](repeating: .nan, count: network.labelCount)
    window.withUnsafeBufferPointer { inputs in
        probabilities.withUnsafeMutableBufferPointer { network.probabilities(for: inputs, into: $0) }
    }
    // Weights may be anything, even NaN or Inf; a softmax of finite logits must still be a distribution.
    if probabilities.allSatisfy(\.isFinite) {
        let sum = probabilities.reduce(0, +)
        precondition(abs(sum - 1) < 1e-3 && probabilities.allSatisfy { $0 >= 0 },
                     "softmax output sums to \(sum): \(probabilities)")
    }
    return "loaded and ran: \(network.steps.count) steps, \(network.flopsPerWindow) flops, probabilities \(probabilities)"
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

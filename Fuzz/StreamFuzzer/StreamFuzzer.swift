import Engine
import FuzzDriver

#if canImport(Glibc)
import Glibc
#endif

// libFuzzer target for the stdin decoder: WAV/RF64/AU header parsing and sample decoding,
// compressed-container sniffing, and libsndfile decoding through the pipe's virtual file.
//
// Each input is the whole byte stream. It is decoded twice, through the smallest byte
// buffer StdinSource allows (512 bytes, so headers and frames straddle refills) with
// varying read sizes, and through the shipped 64 KiB buffer with one large read size;
// both runs must agree sample for sample. Thrown `EngineError`s are expected; a crash,
// a sanitizer report, a hang or a broken contract is a bug.
//
// Built by scripts/fuzz.sh with libFuzzer; a plain build replays files instead:
// `StreamFuzzer FILE_OR_DIR...` runs each once and prints what became of it.

/// One unlinked temporary file reused for every input: StdinSource reads it with read(2)
/// as it reads a pipe, without a pipe's 64 KiB limit on what can be written before reading.
/// (Glibc's `memfd_create` is not visible from Swift; `tmpfile` is.)
private let inputDescriptor: Int32 = {
    guard let file = tmpfile() else { fatalError("tmpfile failed: \(String(cString: strerror(errno)))") }
    return fileno(file)
}()

/// Frames asked for per read in the small-buffer run, cycled: 1 and odd counts make
/// the decoder stop mid-buffer.
private let smallReadFrames = [1, 3, 64, 7, 2, 33]

private enum Outcome: Equatable {
    /// The header as read ("WAV S16_LE 44100 Hz x 2") and the samples' bit patterns.
    case decoded(String, [UInt32])
    case failed(String)
}

private func rewind(to bytes: UnsafeRawBufferPointer) {
    guard ftruncate(inputDescriptor, 0) == 0 else { fatalError("ftruncate: \(String(cString: strerror(errno)))") }
    var done = 0
    while done < bytes.count {
        let n = pwrite(inputDescriptor, bytes.baseAddress! + done, bytes.count - done, off_t(done))
        guard n > 0 else { fatalError("pwrite: \(String(cString: strerror(errno)))") }
        done += n
    }
    guard lseek(inputDescriptor, 0, SEEK_SET) == 0 else { fatalError("lseek: \(String(cString: strerror(errno)))") }
}

/// Decodes the whole input; samples are kept as bit patterns so NaNs compare equal.
private func decode(_ bytes: UnsafeRawBufferPointer, raw: RawPCMFormat, bufferCapacity: Int,
                    readFrames: [Int]) -> Outcome {
    rewind(to: bytes)
    var samples: [UInt32] = []
    var header = ""
    // Room for the largest read asked for: 64 channels x 64 frames.
    var slots = [Float](repeating: 0, count: 64 * 64)
    do {
        let source = try StdinSource(fileDescriptor: inputDescriptor, raw: raw, bufferCapacity: bufferCapacity)
        let channels = source.format.channels
        header = "\(source.container) \(source.encoding.arecordName) \(source.format.sampleRate) Hz x \(channels)"
        let bytesPerSample = source.encoding.bytesPerSample
        let readsBytesDirectly = ["raw", "WAV", "RF64", "AU"].contains(source.container)
        let isFloat = [.float32LE, .float32BE, .float64LE, .float64BE].contains(source.encoding)
        var call = 0
        while true {
            let frames = readFrames[call % readFrames.count]
            call += 1
            let wanted = frames * channels
            let n = try slots.withUnsafeMutableBufferPointer {
                try source.read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<wanted]))
            }
            if n == 0 { break }
            precondition(n > 0 && n <= wanted && n % channels == 0,
                         "read(into:) returned \(n) for \(wanted) slots, \(channels) channels")
            for value in slots[0..<n] {
                // Integer and G.711 codes are scaled into [-1, 1]; only floats may go outside.
                precondition(isFloat || (-1...1).contains(value), "\(source.encoding) decoded to \(value)")
                samples.append(value.bitPattern)
            }
            // Only where samples are read straight from the bytes: a decoder (FLAC, MP3, ...)
            // rightly makes more samples than it was given bytes.
            precondition(!readsBytesDirectly || samples.count * bytesPerSample <= bytes.count,
                         "\(samples.count) samples of \(bytesPerSample) bytes from a \(bytes.count)-byte input")
        }
        // At end of stream the source stays ended.
        let after = try slots.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        precondition(after == 0, "read(into:) after the end returned \(after) samples")
    } catch let error as EngineError {
        return .failed("\(error)")
    } catch {
        preconditionFailure("StdinSource threw a non-EngineError: \(error)")
    }
    return .decoded(header, samples)
}

/// Returns what became of the input, for the replayer to print.
func fuzzStream(_ bytes: UnsafeRawBufferPointer) -> String {
    // The raw format (used when there is no header, and validated either way) comes
    // from the first two bytes, so that raw inputs reach every codec and channel count.
    let codec = SampleEncoding.allCases[Int(bytes.first ?? 0) % SampleEncoding.allCases.count]
    let channels = 1 + Int(bytes.count > 1 ? bytes[1] : 0) % 64
    let raw = RawPCMFormat(encoding: codec, sampleRate: 22050, channels: channels)
    let small = decode(bytes, raw: raw, bufferCapacity: 512, readFrames: smallReadFrames)
    let large = decode(bytes, raw: raw, bufferCapacity: 64 * 1024, readFrames: [64])
    precondition(small == large, "512-byte and 64 KiB buffers disagree: \(summary(small)) vs \(summary(large))")
    return summary(small)
}

private func summary(_ outcome: Outcome) -> String {
    switch outcome {
    case .decoded(let header, let samples): return "\(header): \(samples.count) samples"
    case .failed(let message): return message
    }
}

/// The libFuzzer entry point. The fuzzer runtime's own `main`, linked though unused,
/// refers to this symbol; `runFuzzTarget` passes the function to libFuzzer directly.
@_cdecl("LLVMFuzzerTestOneInput")
public func streamFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = fuzzStream(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum StreamFuzzerMain {
    static func main() {
        runFuzzTarget("StreamFuzzer", callback: streamFuzzerTestOneInput, describe: fuzzStream)
    }
}

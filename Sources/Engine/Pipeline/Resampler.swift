import CSoxr

/// Streaming sample-rate conversion of mono float audio with libsoxr.
///
/// libsoxr is used rather than a hand-written resampler: it is maintained,
/// band-limited to the quality asked for, and its streaming API compensates its
/// own delay, so output sample 0 lines up with input sample 0. (libsamplerate
/// was the alternative; soxr is faster at the same quality.)
final class Resampler {
    let inputRate: Int
    let outputRate: Int
    private let soxr: soxr_t?
    private var output: [Float]

    /// `maxInput` is the largest chunk `process` will be given.
    init(inputRate: Int, outputRate: Int, maxInput: Int) throws {
        self.inputRate = inputRate
        self.outputRate = outputRate
        if inputRate == outputRate {
            soxr = nil
            output = []
            return
        }
        var error: soxr_error_t? = nil
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        let handle = soxr_create(Double(inputRate), Double(outputRate), 1, &error, &io, &quality, nil)
        if let error { throw EngineError.internalFault("libsoxr: \(String(cString: error))") }
        soxr = handle
        let ratio = Double(outputRate) / Double(inputRate)
        output = [Float](repeating: 0, count: Int(Double(maxInput) * ratio) + 1024)
    }

    /// Resamples `input` and hands every piece of output to `sink`.
    func process(_ input: UnsafeBufferPointer<Float>, _ sink: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard let soxr else { return try sink(input) }
        // A nil input pointer would tell soxr the stream has ended.
        guard !input.isEmpty else { return }
        var offset = 0
        repeat {
            var used = 0, produced = 0
            let error = output.withUnsafeMutableBufferPointer { out in
                soxr_process(soxr, input.baseAddress.map { $0 + offset }, input.count - offset, &used,
                             out.baseAddress, out.count, &produced)
            }
            if let error { throw EngineError.internalFault("libsoxr: \(String(cString: error))") }
            offset += used
            if produced > 0 { try output.withUnsafeBufferPointer { try sink(UnsafeBufferPointer(rebasing: $0[0..<produced])) } }
            if used == 0 && produced == 0 { break }
        } while offset < input.count
    }

    /// At end of input: drains the samples still inside the filter.
    func flush(_ sink: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard let soxr else { return }
        while true {
            var produced = 0
            let error = output.withUnsafeMutableBufferPointer { out in
                soxr_process(soxr, nil, 0, nil, out.baseAddress, out.count, &produced)
            }
            if let error { throw EngineError.internalFault("libsoxr: \(String(cString: error))") }
            if produced == 0 { break }
            try output.withUnsafeBufferPointer { try sink(UnsafeBufferPointer(rebasing: $0[0..<produced])) }
        }
    }

    deinit {
        if let soxr { soxr_delete(soxr) }
    }
}

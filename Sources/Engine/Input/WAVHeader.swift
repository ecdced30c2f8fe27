/// RIFF/RF64 WAVE headers, read from a pipe: chunks before `data` are walked in order
/// and unknown ones are read and dropped.
extension StreamHeader {
    /// The 14 bytes that follow the 2-byte format tag in every KSDATAFORMAT_SUBTYPE GUID.
    private static let subformatGUIDTail: [UInt8] =
        [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]

    /// A larger fmt chunk is read only this far (the rest is dropped): 40 bytes hold
    /// WAVE_FORMAT_EXTENSIBLE.
    private static let fmtBytesUsed = 40

    static func readWAV(from stream: ByteStream) throws -> StreamHeader {
        let riff = try stream.require(12, for: "the RIFF header")
        let container = riff.fourCC(at: 0) == "RF64" ? "RF64" : "WAV"
        guard riff.fourCC(at: 8) == "WAVE" else {
            throw EngineError.inputFormat("RIFF form type is '\(riff.fourCC(at: 8))'; expected 'WAVE'")
        }
        stream.consume(12)

        var format: (encoding: SampleEncoding, sampleRate: Int, channels: Int)?
        var rf64DataLength: UInt64?
        while true {
            guard try stream.fill(atLeast: 8) else {
                if !stream.reachedEnd { throw HeaderInterrupted() }
                throw EngineError.inputFormat(
                    "\(container) stream ends at byte \(stream.offset + stream.available) without a data chunk")
            }
            let id = stream.window.fourCC(at: 0)
            let size = stream.window.uint32LE(at: 4)
            stream.consume(8)
            switch id {
            case "fmt ":
                guard size >= 16 else {
                    throw EngineError.inputFormat("\(container) fmt chunk is \(size) bytes; expected at least 16")
                }
                let used = min(Int(size), fmtBytesUsed)
                let body = try stream.require(used, for: "the \(container) fmt chunk")
                format = try parseFmt(body, container: container)
                stream.consume(used)
                _ = try stream.discard(Int(size) - used + Int(size & 1))
            case "ds64" where container == "RF64":
                let body = try stream.require(min(Int(size), 16), for: "the RF64 ds64 chunk")
                if body.count >= 16 { rf64DataLength = body.uint64LE(at: 8) }
                stream.consume(body.count)
                _ = try stream.discard(Int(size) - body.count + Int(size & 1))
            case "data":
                guard let format else {
                    throw EngineError.inputFormat("\(container) data chunk comes before the fmt chunk")
                }
                var length = streamLength(fromSizeField: size)
                if container == "RF64" && size == 0xFFFF_FFFF, let long = rf64DataLength {
                    length = long == 0 || long >= UInt64(Int.max) ? nil : Int(long)
                }
                return StreamHeader(container: container, encoding: format.encoding, sampleRate: format.sampleRate,
                                    channels: format.channels, dataLength: length)
            default:
                // LIST, fact, bext, JUNK, ...: nothing the decoder needs. Odd sizes carry a pad byte.
                let length = Int(size) + Int(size & 1)
                if try stream.discard(length) < length {
                    if !stream.reachedEnd { throw HeaderInterrupted() }
                    // A corrupt size (0xFFFFFFF0, say) swallows the whole stream: name the
                    // chunk that did it, not just the data chunk that never came.
                    throw EngineError.inputFormat(
                        "\(container) '\(id)' chunk says \(size) bytes but the stream ends at byte \(stream.offset), before any data chunk (truncated, or a corrupt chunk size)")
                }
            }
        }
    }

    private static func parseFmt(_ body: UnsafeRawBufferPointer, container: String)
        throws -> (encoding: SampleEncoding, sampleRate: Int, channels: Int)
    {
        let tag = body.uint16LE(at: 0)
        let channels = Int(body.uint16LE(at: 2))
        let sampleRate = Int(body.uint32LE(at: 4))
        let blockAlign = Int(body.uint16LE(at: 12))
        let bits = Int(body.uint16LE(at: 14))

        var codec = tag
        if tag == 0xFFFE {
            guard body.count >= 40 else {
                throw EngineError.inputFormat(
                    "\(container) fmt chunk is \(body.count) bytes with WAVE_FORMAT_EXTENSIBLE; expected 40")
            }
            let guid = body[24..<40]
            guard Array(guid.dropFirst(2)) == subformatGUIDTail else {
                let hex = guid.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
                throw EngineError.inputFormat(
                    "\(container) extensible subformat GUID \(hex); expected PCM or IEEE float")
            }
            codec = body.uint16LE(at: 24)
            // Samples are left-justified in their container with the spare low bits zero,
            // so 24 valid bits in 32 (or 20 in 24, 12 in 16) read exactly as the container
            // type. 0 means the writer did not say, which is the container too.
            let validBits = Int(body.uint16LE(at: 18))
            guard validBits <= bits else {
                throw EngineError.inputFormat(
                    "\(container) extensible header says \(validBits) valid bits in a \(bits)-bit sample; expected at most \(bits)")
            }
        }

        let encoding: SampleEncoding
        switch (codec, bits) {
        case (1, 8): encoding = .u8
        case (1, 16): encoding = .s16LE
        // arecord -f S24_LE writes plain PCM with 24 bits per sample in 4-byte containers
        // (block align 4 per channel, the sample in the low 3 bytes): USB interfaces that
        // offer only S24_LE give this. Packed 3-byte samples are the usual 24-bit WAV.
        case (1, 24): encoding = channels > 0 && blockAlign == channels * 4 ? .s24LE : .s24_3LE
        case (1, 32): encoding = .s32LE
        case (1, _):
            throw EngineError.inputFormat("\(container) PCM with \(bits) bits per sample; expected 8, 16, 24 or 32")
        case (3, 32): encoding = .float32LE
        case (3, 64): encoding = .float64LE
        case (3, _):
            throw EngineError.inputFormat("\(container) IEEE float with \(bits) bits per sample; expected 32 or 64")
        case (6, 8): encoding = .aLaw
        case (7, 8): encoding = .muLaw
        case (6, _), (7, _):
            throw EngineError.inputFormat("\(container) G.711 with \(bits) bits per sample; expected 8")
        default:
            throw EngineError.inputFormat(
                "\(container) codec \(codecName(codec)); expected PCM (1), IEEE float (3), A-law (6), mu-law (7) or extensible PCM/float")
        }

        let header = StreamHeader(container: container, encoding: encoding, sampleRate: sampleRate,
                                  channels: channels, dataLength: nil)
        try header.validate("\(container) fmt chunk")
        let expectedAlign = channels * encoding.bytesPerSample
        guard blockAlign == expectedAlign else {
            throw EngineError.inputFormat(
                "\(container) block align is \(blockAlign) bytes; expected \(expectedAlign) (\(channels) channels of \(encoding.bytesPerSample) bytes)")
        }
        return (encoding, sampleRate, channels)
    }

    private static func codecName(_ tag: UInt16) -> String {
        let hex = "0x" + String(tag, radix: 16, uppercase: true).leftPadded(to: 4)
        let known: [UInt16: String] = [
            0x0002: "Microsoft ADPCM", 0x0011: "IMA ADPCM", 0x0031: "GSM 6.10", 0x0050: "MPEG",
            0x0055: "MPEG Layer 3", 0x00FF: "AAC", 0x1610: "HE-AAC", 0x2000: "AC-3", 0xF1AC: "FLAC",
        ]
        return known[tag].map { "\(hex) (\($0))" } ?? hex
    }
}

fileprivate extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

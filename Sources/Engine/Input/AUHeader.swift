/// Sun/NeXT AU headers: ".snd", then five big-endian 32-bit fields, then an
/// annotation up to the data offset.
extension StreamHeader {
    /// A larger data offset is taken for a corrupt header rather than read through.
    private static let maximumAUDataOffset = 1 << 20

    static func readAU(from stream: ByteStream) throws -> StreamHeader {
        let fields = try stream.require(24, for: "the AU header")
        let dataOffset = Int(fields.uint32BE(at: 4))
        let size = fields.uint32BE(at: 8)
        let code = fields.uint32BE(at: 12)
        let sampleRate = Int(fields.uint32BE(at: 16))
        let channels = Int(fields.uint32BE(at: 20))
        guard (24...maximumAUDataOffset).contains(dataOffset) else {
            throw EngineError.inputFormat("AU data offset is \(dataOffset); expected 24 to \(maximumAUDataOffset)")
        }
        let encoding: SampleEncoding
        switch code {
        case 1: encoding = .muLaw
        case 2: encoding = .s8
        case 3: encoding = .s16BE
        case 4: encoding = .s24_3BE
        case 5: encoding = .s32BE
        case 6: encoding = .float32BE
        case 7: encoding = .float64BE
        case 27: encoding = .aLaw
        default:
            throw EngineError.inputFormat(
                "AU encoding \(code); expected 1 (mu-law), 2 to 5 (8 to 32-bit linear), 6 (float), 7 (double) or 27 (A-law)")
        }
        let header = StreamHeader(container: "AU", encoding: encoding, sampleRate: sampleRate, channels: channels,
                                  dataLength: streamLength(fromSizeField: size))
        try header.validate("AU header")
        stream.consume(24)
        if try stream.discard(dataOffset - 24) < dataOffset - 24 {
            if !stream.reachedEnd { throw HeaderInterrupted() }
            throw EngineError.inputFormat("stream ends inside the AU annotation; expected \(dataOffset) header bytes")
        }
        return header
    }
}

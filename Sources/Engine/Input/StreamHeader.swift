/// What the front of a stream says about the audio behind it: a WAV or Sun AU header,
/// or nothing (raw PCM, described by the caller).
struct StreamHeader: Equatable {
    /// "WAV", "RF64", "AU", "raw", or a compressed container's name ("MP3", "Ogg", ...).
    var container: String
    var encoding: SampleEncoding
    var sampleRate: Int
    var channels: Int
    /// Audio bytes after the header; nil means "until end of stream".
    var dataLength: Int?
    /// Set when the stream is compressed audio for a decoder, not samples to read directly.
    var compressed: CompressedContainer? = nil

    /// Streaming writers cannot know the length, so they put a placeholder in the size
    /// field: 0, 0x7FFFF000 (sox), 0x7FFFFFFF, 0x80000000 (arecord 1.2.8 WAV),
    /// 0xFFFFFFFE (arecord AU), 0xFFFFFFFF (ffmpeg, the AU spec). Any of these, and
    /// anything at or above 0x7FFFF000, means "read until end of stream".
    static func streamLength(fromSizeField size: UInt32) -> Int? {
        size == 0 || size >= 0x7FFF_F000 ? nil : Int(size)
    }

    /// Reads and consumes a header if the stream starts with one; the audio starts at
    /// the stream's `window` afterwards. Throws `HeaderInterrupted` on a stop request.
    static func read(from stream: ByteStream, raw: RawPCMFormat) throws -> StreamHeader {
        _ = try stream.fill(atLeast: 4)
        if stream.available < 4 && !stream.reachedEnd { throw HeaderInterrupted() }
        if stream.available >= 4 {
            switch stream.window.fourCC(at: 0) {
            case "RIFF", "RF64": return try readWAV(from: stream)
            case ".snd": return try readAU(from: stream)
            default:
                if let compressed = try CompressedContainer.sniff(stream) {
                    // The decoder reads the format; these fields are filled in from it.
                    return StreamHeader(container: compressed.name, encoding: .float32LE, sampleRate: 0, channels: 0,
                                        dataLength: nil, compressed: compressed)
                }
            }
        }
        return StreamHeader(container: "raw", encoding: raw.encoding, sampleRate: raw.sampleRate,
                            channels: raw.channels, dataLength: nil)
    }

    /// The checks every container shares; `what` names the header in the message.
    func validate(_ what: String) throws {
        try AudioLimits.check(StreamFormat(sampleRate: sampleRate, channels: channels), declaredBy: what)
    }
}

/// A stop was requested before the header was complete.
struct HeaderInterrupted: Error {}

extension ByteStream {
    /// The first `count` unconsumed bytes, reading more if needed. At end of stream throws
    /// an input-format error naming `what` was being read; on a stop, `HeaderInterrupted`.
    func require(_ count: Int, for what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        if try !fill(atLeast: count) {
            if !reachedEnd { throw HeaderInterrupted() }
            throw EngineError.inputFormat(
                "stream ends inside \(what()) at byte \(offset + available); expected \(count - available) more bytes")
        }
        return UnsafeRawBufferPointer(rebasing: window[0..<count])
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Audio piped in on a file descriptor: WAV (RIFF, RF64, extensible, arecord's
/// streaming header), Sun AU, compressed audio that libsndfile decodes from a pipe (FLAC,
/// Ogg, MP3, AIFF, CAF; see `PipeDecoder`), or raw PCM described by the caller when none
/// of these is found. Compressed containers it cannot decode (MP4, Matroska, AAC) are
/// refused with a one-line fix rather than read as noise.
///
/// Memory stays fixed however long the stream runs: one 64 KiB byte buffer, allocated here.
public final class StdinSource: AudioSource {
    public let format: StreamFormat
    public let name = "stdin"
    /// How samples are stored in the stream; FLOAT_LE, the decoder's output, for compressed audio.
    public let encoding: SampleEncoding
    /// "WAV", "RF64", "AU", "raw", or "MP3", "Ogg", "FLAC", "AIFF", "CAF": what the stream started with.
    public let container: String

    private let stream: ByteStream
    /// For compressed input; nil when samples are read straight from `stream`.
    private let decoder: PipeDecoder?
    private let frameBytes: Int
    /// Audio bytes the header promised and not yet consumed; nil = until end of stream.
    private var remainingData: Int?
    private var finished = false

    /// Blocks until the header (if any) has been read. `raw` is validated even when a
    /// header is found, since it comes from the command line. `stallWatch` hears of waits
    /// on a pipe, a terminal or a socket; a regular file never stalls and ignores it.
    public convenience init(fileDescriptor: Int32 = 0, raw: RawPCMFormat, stallWatch: StallWatch? = nil) throws {
        try self.init(fileDescriptor: fileDescriptor, raw: raw, bufferCapacity: 64 * 1024, stallWatch: stallWatch)
    }

    /// `bufferCapacity`: bytes held at once; tests and Fuzz/StreamFuzzer (hence `package`)
    /// shrink it to exercise refilling. At least 512 are kept: one frame of 64 channels of doubles.
    package init(fileDescriptor: Int32, raw: RawPCMFormat, bufferCapacity: Int, stallWatch: StallWatch? = nil) throws {
        // From the command line, so a usage error even when a header makes it moot.
        try AudioLimits.check(StreamFormat(sampleRate: raw.sampleRate, channels: raw.channels),
                              declaredBy: "raw input", error: EngineError.usage)
        stream = ByteStream(fileDescriptor: fileDescriptor, inputName: "stdin", capacity: max(bufferCapacity, 512))
        var status = stat()
        let isRegularFile = fstat(fileDescriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        stream.stallWatch = isRegularFile ? nil : stallWatch
        isLive = !isRegularFile
        var header: StreamHeader
        var decoder: PipeDecoder?
        do {
            header = try StreamHeader.read(from: stream, raw: raw)
            if let compressed = header.compressed {
                guard compressed.decodesFromPipe else { throw EngineError.inputFormat(compressed.refusal) }
                let opened = try PipeDecoder(stream: stream, container: compressed)
                header.sampleRate = opened.format.sampleRate
                header.channels = opened.format.channels
                decoder = opened
            }
        } catch is HeaderInterrupted {
            // Stopped before any audio: an empty stream, so the pipeline simply ends.
            header = StreamHeader(container: "raw", encoding: raw.encoding, sampleRate: raw.sampleRate,
                                  channels: raw.channels, dataLength: 0)
            decoder = nil
        }
        self.decoder = decoder
        format = StreamFormat(sampleRate: header.sampleRate, channels: header.channels)
        encoding = header.encoding
        container = header.container
        frameBytes = header.channels * header.encoding.bytesPerSample
        remainingData = header.dataLength
    }

    public var stallWatch: StallWatch? { stream.stallWatch }
    public let isLive: Bool
    public func takeNotices() -> [Notice] { stream.notices.take() }

    /// False for a regular file, or when no watch was given.
    var watchesForStalls: Bool { stream.stallWatch != nil }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        if finished { return 0 }
        let framesWanted = buffer.count / format.channels
        guard framesWanted > 0 else {
            throw EngineError.internalFault("read(into:) given \(buffer.count) samples; one frame needs \(format.channels)")
        }
        if let decoder {
            let samples = try decoder.read(into: buffer, channels: format.channels)
            if samples == 0 { finished = true }
            return samples
        }
        // Never read past the end of the data chunk: a finite WAV may be followed by other chunks.
        refill: while stream.available < min(frameBytes, remainingData ?? .max) {
            switch try stream.readOnce() {
            case .bytes: continue
            case .endOfStream: break refill
            case .stopped: return 0
            }
        }
        let usable = min(stream.available, remainingData ?? .max)
        let frames = min(usable / frameBytes, framesWanted)
        if frames == 0 {
            finished = true
            if let left = remainingData, left > usable {
                // The header's data size lies (or the file was cut short): what arrived is
                // still good audio, so it is kept, but the user should know. One line, so
                // a dropped partial frame is mentioned here rather than in a second one.
                stream.notices.warn("\(name): the \(container) header promises \(left - usable) more audio bytes than the stream holds: truncated; "
                     + "processed what arrived" + (usable > 0 ? ", dropped \(usable) trailing bytes of a partial frame" : ""))
            } else if usable > 0 {
                stream.notices.warn("\(name): dropped \(usable) trailing bytes at end of stream: a partial frame (\(frameBytes) bytes per frame)")
            }
            return 0
        }
        let byteCount = frames * frameBytes
        let samples = encoding.decode(UnsafeRawBufferPointer(rebasing: stream.window[0..<byteCount]), into: buffer)
        stream.consume(byteCount)
        if let left = remainingData { remainingData = left - byteCount }
        return samples
    }
}

import CSndFile

#if canImport(Glibc)
import Glibc
#endif

/// Decodes compressed audio (FLAC, Ogg, MP3, AIFF, CAF) arriving on a pipe, with
/// libsndfile's virtual I/O reading from the `ByteStream` the header sniffing already
/// filled. A pipe cannot seek, so the virtual file serves seeks only within the bytes the
/// stream still holds (libsndfile's decoders look back a few KiB while opening), refuses
/// the rest and reports an unknown, maximal length. Measured with libsndfile 1.2: that
/// decodes all five exactly as from a file, in fixed memory however long the stream.
///
/// A chained Ogg stream (an internet radio's next song) or concatenated FLAC streams end
/// libsndfile's decoder at the end of the first; the next one is opened where its
/// signature is found in the held bytes, so the stream keeps going.
final class PipeDecoder {
    let container: CompressedContainer
    private(set) var format: StreamFormat
    private let input: VirtualPipeFile
    private var file: OpaquePointer
    private let mute = StderrMute()
    /// libmpg123 talks on stderr (see `StderrMute`); the other decoders do not.
    private let chatty: Bool
    private var framesRead = 0
    /// Decoded samples not yet handed out. The decoder is always asked for `chunkFrames`:
    /// libsndfile's MP3 reader drops a request it cannot fill whole when the data breaks,
    /// so the caller's read sizes would otherwise decide how much of a cut stream is heard.
    private let chunk: UnsafeMutableBufferPointer<Float>
    private var chunkStart = 0, chunkEnd = 0
    static let chunkFrames = 1024

    /// Bytes the stream keeps for looking back; libsndfile's Ogg reader seeks back about
    /// 8 KiB while opening, so a 64 KiB buffer keeps at least 32 KiB behind its position.
    static let lookBackCapacity = 64 * 1024

    init(stream: ByteStream, container: CompressedContainer) throws {
        stream.reserve(capacity: Self.lookBackCapacity)
        self.container = container
        chatty = container == .mp3
        input = VirtualPipeFile(stream: stream)
        (file, format) = try Self.open(input, container: container, mute: chatty ? mute : nil, linkStart: stream.offset)
        chunk = .allocate(capacity: Self.chunkFrames * format.channels)
    }

    deinit {
        sf_close(file)
        chunk.deallocate()
    }

    /// Bytes of one frame at most (MPEG audio's longest is 1729): an error with no more
    /// than this left of an ended pipe is its cut last frame, not a broken stream.
    static let partialFrameBytes = 4096

    /// Interleaved float frames, 0 at the end of the stream or on a stop.
    func read(into buffer: UnsafeMutableBufferPointer<Float>, channels: Int) throws -> Int {
        if chunkStart == chunkEnd {
            chunkStart = 0
            chunkEnd = try decodeChunk(channels: channels)
        }
        let count = min(chunkEnd - chunkStart, buffer.count / channels * channels)
        buffer.baseAddress!.update(from: chunk.baseAddress! + chunkStart, count: count)
        chunkStart += count
        return count
    }

    /// Refills `chunk`: the samples decoded, 0 at the end of the stream or on a stop.
    private func decodeChunk(channels: Int) throws -> Int {
        while true {
            let got = chatty
                ? mute.muted { sf_readf_float(file, chunk.baseAddress, sf_count_t(Self.chunkFrames)) }
                : sf_readf_float(file, chunk.baseAddress, sf_count_t(Self.chunkFrames))
            if let error = input.takeError() { throw error }
            if got > 0 {
                framesRead += Int(got)
                return Int(got) * channels
            }
            // A stop cuts the decoder's input short; whatever it makes of that is no error.
            if input.stopped { return 0 }
            if got < 0 || sf_error(file) != 0 {
                let seconds = Double(framesRead) / Double(format.sampleRate)
                // The pipe ended inside the last frame (every dropped connection does): what
                // was decoded stands and the input ends, as the same bytes in a file do.
                if input.stream.reachedEnd && input.heldAfterPosition <= Self.partialFrameBytes {
                    input.stream.notices.warn("stdin (\(container.name)): the stream ends inside a frame after \(TextFormatting.fixed(seconds, 1)) s "
                         + "(a cut connection); the partial frame is dropped")
                    return 0
                }
                throw EngineError.inputFormat(
                    "stdin (\(container.name)): decoding failed after \(TextFormatting.fixed(seconds, 1)) s: \(String(cString: sf_strerror(file)))")
            }
            // The decoder may stop at the exact end of what it knows to be its stream (a
            // frame count, a last page) without having seen the pipe's end: look once.
            if input.heldAfterPosition == 0 { try input.readMore() }
            if input.stopped || input.stream.reachedEnd && input.heldAfterPosition == 0 { return 0 }
            guard try openNextLink() else { return 0 }
        }
    }

    /// After the decoder's end with bytes still coming: opens the next Ogg or FLAC stream
    /// if one starts in the held bytes. False (with a warning) if none does.
    private func openNextLink() throws -> Bool {
        let stream = input.stream
        let signature: (UnsafeRawBufferPointer, Int) -> Bool
        switch container {
        case .ogg:
            // A first page: "OggS", version 0, the beginning-of-stream flag.
            signature = { $0.count - $1 >= 6 && $0.fourCC(at: $1) == "OggS" && $0[$1 + 4] == 0 && $0[$1 + 5] & 2 != 0 }
        case .flac:
            signature = { $0.count - $1 >= 4 && $0.fourCC(at: $1) == "fLaC" }
        default:
            // MP3 frames carry no start-of-stream mark, and the decoder reads ahead of what
            // it used: a search could replay or skip audio, so MP3 ends with the decoder.
            signature = { _, _ in false }
        }
        let held = stream.window
        // From just after the current stream's start: the decoder read ahead past its end.
        let from = max(input.linkStart + 1 - stream.offset, 0)
        guard let at = (from..<max(held.count, from)).first(where: { signature(held, $0) }) else {
            return try endWithoutNextLink()
        }
        stream.consume(at)
        let next: OpaquePointer, nextFormat: StreamFormat
        do {
            (next, nextFormat) = try Self.open(input, container: container, mute: chatty ? mute : nil, linkStart: stream.offset)
        } catch is HeaderInterrupted {
            return false  // A stop while the next stream opened: the end, as for any stop.
        }
        sf_close(file)
        file = next
        guard nextFormat == format else {
            throw EngineError.inputFormat(
                "stdin: the next \(container.name) stream at byte \(stream.offset) is \(nextFormat.sampleRate) Hz x \(nextFormat.channels); "
                + "the first was \(format.sampleRate) Hz x \(format.channels)")
        }
        format = nextFormat
        return true
    }

    /// No next stream follows the decoder's end. Tags that trail a file (ID3v1 "TAG",
    /// APEv2) end it quietly; anything else is mentioned, since audio may go unheard.
    private func endWithoutNextLink() throws -> Bool {
        let stream = input.stream
        while !stream.reachedEnd && !input.stopped && stream.available < stream.capacity { try input.readMore() }
        let rest = UnsafeRawBufferPointer(rebasing: stream.window[max(input.position - stream.offset, 0)...])
        let trailer = rest.count >= 3 && (Array(rest[0..<3]) == Array("TAG".utf8)
            || rest.count >= 8 && Array(rest[0..<8]) == Array("APETAGEX".utf8))
        if !(stream.reachedEnd && (trailer || rest.isEmpty)) {
            stream.notices.warn("stdin: the \(container.name) decoder ended at byte \(input.position) before the stream did; "
                 + "the rest is not a new \(container.name) stream and was not heard")
        }
        return false
    }

    /// The one place a libsndfile status becomes a throw, for piped input.
    private static func open(_ input: VirtualPipeFile, container: CompressedContainer, mute: StderrMute?,
                             linkStart: Int) throws -> (OpaquePointer, StreamFormat) {
        input.restart(at: linkStart)
        var io = SF_VIRTUAL_IO(
            get_filelen: { _ in sf_count_t.max },
            seek: { offset, whence, user in VirtualPipeFile.from(user).seek(offset, whence) },
            read: { pointer, count, user in VirtualPipeFile.from(user).read(pointer, count) },
            write: { _, _, _ in 0 },
            tell: { user in VirtualPipeFile.from(user).tell() })
        var info = SF_INFO()
        let user = Unmanaged.passUnretained(input).toOpaque()
        let handle = mute.map { $0.muted { sf_open_virtual(&io, Int32(SFM_READ), &info, user) } }
            ?? sf_open_virtual(&io, Int32(SFM_READ), &info, user)
        if let error = input.takeError() {
            if let handle { sf_close(handle) }
            throw error
        }
        guard let handle else {
            if input.stopped { throw HeaderInterrupted() }
            throw EngineError.inputFormat(
                "stdin holds \(container.name) audio that could not be decoded from the pipe: \(String(cString: sf_strerror(nil)))")
        }
        let format = StreamFormat(sampleRate: Int(info.samplerate), channels: Int(info.channels))
        do {
            try AudioLimits.check(format, declaredBy: "stdin (\(container.name))")
        } catch {
            sf_close(handle)
            throw error
        }
        // Integer codecs (FLAC, AIFF) come out in [-1, 1] as well.
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        return (handle, format)
    }
}

/// The file libsndfile reads: offset 0 is the first byte of the current link, served
/// from the stream's held bytes and then from the pipe. Errors from the pipe (a stall
/// with exit-on-stall, a failed read) cannot cross the C callback, so they are kept for
/// `takeError` and the read reports an end.
final class VirtualPipeFile {
    let stream: ByteStream
    /// Stream offset of the current link's first byte.
    private(set) var linkStart = 0
    /// Stream offset of the decoder's next byte.
    private(set) var position = 0
    private(set) var stopped = false
    private var error: Error?

    init(stream: ByteStream) { self.stream = stream }

    static func from(_ user: UnsafeMutableRawPointer?) -> VirtualPipeFile {
        Unmanaged<VirtualPipeFile>.fromOpaque(user!).takeUnretainedValue()
    }

    func restart(at offset: Int) {
        linkStart = offset
        position = offset
    }

    /// Held bytes after the decoder's position.
    var heldAfterPosition: Int { stream.offset + stream.available - position }

    func takeError() -> Error? {
        defer { error = nil }
        return error
    }

    func tell() -> sf_count_t { sf_count_t(position - linkStart) }

    func seek(_ offset: sf_count_t, _ whence: Int32) -> sf_count_t {
        let base: Int
        switch whence {
        case SEEK_SET: base = linkStart
        case SEEK_CUR: base = position
        default: return -1  // SEEK_END: the length is unknown.
        }
        // The Ogg reader seeks to 64 KiB before the (maximal) length it was told.
        let (target, overflow) = base.addingReportingOverflow(Int(offset))
        guard !overflow, target >= stream.offset, target <= stream.offset + stream.available else { return -1 }
        position = target
        return sf_count_t(target - linkStart)
    }

    /// One more read from the pipe outside libsndfile (so errors are thrown), making room
    /// by dropping the older half of the held bytes if the buffer is full.
    func readMore() throws {
        if stream.reachedEnd || stopped { return }
        if stream.available == stream.capacity {
            let droppable = min(stream.capacity / 2, max(position - stream.offset, 0))
            guard droppable > 0 else { return }
            stream.consume(droppable)
        }
        if try stream.readOnce() == .stopped { stopped = true }
    }

    func read(_ pointer: UnsafeMutableRawPointer?, _ count: sf_count_t) -> sf_count_t {
        guard let pointer, count > 0 else { return 0 }
        var copied = 0
        while copied < Int(count) {
            let held = heldAfterPosition
            if held > 0 {
                let step = min(held, Int(count) - copied)
                let from = position - stream.offset
                (pointer + copied).copyMemory(from: stream.window.baseAddress! + from, byteCount: step)
                copied += step
                position += step
                continue
            }
            if stopped || error != nil { break }
            // Keep the newer half for looking back; drop the older one to make room.
            if stream.available == stream.capacity { stream.consume(stream.capacity / 2) }
            do {
                let outcome = try stream.readOnce()
                if outcome == .endOfStream { break }
                if outcome == .stopped { stopped = true; break }
            } catch {
                self.error = error
                break
            }
        }
        return sf_count_t(copied)
    }
}

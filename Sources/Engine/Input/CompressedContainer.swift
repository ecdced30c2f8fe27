/// Compressed audio recognised at the front of a stream, so that it is decoded (or
/// refused with a fix) rather than read as raw PCM noise. Every signature is strict: a
/// magic of four bytes or more, or for bare MPEG and ADTS frames a second frame header
/// exactly where the first one says it ends, so raw PCM practically never matches.
enum CompressedContainer: Equatable {
    case mp3, ogg, flac, aiff, caf, w64
    case matroska, mp4, aac, wavpack

    /// For messages and `StdinSource.container`.
    var name: String {
        switch self {
        case .mp3: return "MP3"
        case .ogg: return "Ogg"
        case .flac: return "FLAC"
        case .aiff: return "AIFF"
        case .caf: return "CAF"
        case .w64: return "Sony Wave64"
        case .wavpack: return "WavPack"
        case .matroska: return "Matroska/WebM"
        case .mp4: return "MP4/M4A"
        case .aac: return "AAC (ADTS)"
        }
    }

    /// libsndfile 1.2 decodes these through a pipe (measured: FLAC, Ogg Vorbis and Opus,
    /// MP3, AIFF, CAF and Wave64 give the same samples as from a file). It has no decoder
    /// for the others; MP4 in a pipe may not even be decodable, its index often being at the end.
    var decodesFromPipe: Bool {
        switch self {
        case .mp3, .ogg, .flac, .aiff, .caf, .w64: return true
        case .matroska, .mp4, .aac, .wavpack: return false
        }
    }

    /// The one-line refusal for a container that cannot be read here, with the fix.
    var refusal: String {
        // MP4 often has its index at the end, so even ffmpeg needs the file, not a pipe.
        let fix = self == .mp4 ? "ffmpeg -i FILE -f wav - | genre-stream" : "... | ffmpeg -i - -f wav - | genre-stream"
        return "stdin holds \(name) audio, which genre-stream cannot decode; decode it first: \(fix)"
    }

    /// Bytes a bare MPEG or ADTS frame header needs to be confirmed: the longest frame
    /// (MPEG-1 Layer II at 384 kbit/s and 32 kHz, 1729 bytes) and the next header.
    static let confirmBytes = 1736

    /// Looks at the front of `stream` (at least 4 bytes available, not consumed). ID3v2
    /// tags are read and dropped here (libsndfile would seek past them, which a pipe
    /// cannot do for a large tag); everything else is left for the decoder. Nil: none of
    /// these, so the caller treats the stream as raw PCM.
    static func sniff(_ stream: ByteStream) throws -> CompressedContainer? {
        if let found = try byMagic(stream) { return found }
        guard try skipID3Tags(stream) else { return try byFrameSync(stream) ?? joinedMidFrame(stream) }
        // After an ID3 tag: MP3 by far most often, but FLAC files and AAC streams carry them too.
        _ = try stream.fill(atLeast: 4)
        if stream.available >= 4, let found = try byMagic(stream) { return found }
        if let found = try byFrameSync(stream) { return found }
        throw EngineError.inputFormat("stdin starts with an ID3v2 tag (MP3 metadata) but no MPEG audio frame follows it")
    }

    private static func byMagic(_ stream: ByteStream) throws -> CompressedContainer? {
        let front = stream.window
        switch front.fourCC(at: 0) {
        case "OggS": return .ogg
        case "fLaC": return .flac
        case "caff": return .caf
        case "riff":
            // Sony Wave64 (ffmpeg -f w64): RIFF's name lower-cased, completed to a 16-byte GUID.
            _ = try stream.fill(atLeast: 16)
            guard stream.available >= 16 else { return nil }
            return Array(stream.window[4..<16]) == w64GUIDTail ? .w64 : nil
        case "wvpk":
            // A WavPack block header: the magic, the block size, then a version 0x402...0x410.
            _ = try stream.fill(atLeast: 10)
            guard stream.available >= 10 else { return nil }
            return (0x402...0x410).contains(Int(stream.window[8]) | Int(stream.window[9]) << 8) ? .wavpack : nil
        case "FORM":
            _ = try stream.fill(atLeast: 12)
            guard stream.available >= 12 else { return nil }
            let form = stream.window.fourCC(at: 8)
            return form == "AIFF" || form == "AIFC" ? .aiff : nil
        default: break
        }
        if Array(front[0..<4]) == [0x1A, 0x45, 0xDF, 0xA3] { return .matroska }
        // ISO base media: a box size, then 'ftyp' and a brand. Only a plausible size
        // (8 bytes to 1 MiB) waits for more bytes: raw silence starts with zeros.
        let boxSize = front.uint32BE(at: 0)
        if (8...0x10_0000).contains(boxSize), try stream.fill(atLeast: 12), stream.window.fourCC(at: 4) == "ftyp" {
            return .mp4
        }
        return nil
    }

    /// The bytes of Wave64's "riff" GUID after its first four.
    private static let w64GUIDTail: [UInt8] = [0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00]

    /// Drops every ID3v2 tag at the front; true if there was one. A tag whose size is
    /// not syncsafe is not a tag.
    private static func skipID3Tags(_ stream: ByteStream) throws -> Bool {
        var found = false
        // Only "ID3" waits for a whole tag header: other streams are decided on what is there.
        while stream.available >= 3, Array(stream.window[0..<3]) == Array("ID3".utf8) {
            if try !stream.fill(atLeast: 10) {
                if !stream.reachedEnd { throw HeaderInterrupted() }
                return found
            }
            let tag = stream.window
            guard tag[0] == UInt8(ascii: "I"), tag[1] == UInt8(ascii: "D"), tag[2] == UInt8(ascii: "3"),
                  (2...4).contains(tag[3]), tag[4] != 0xFF, tag[6..<10].allSatisfy({ $0 < 0x80 })
            else { return found }
            let size = tag[6..<10].reduce(0) { $0 << 7 | Int($1) }
            let footer = tag[3] == 4 && tag[5] & 0x10 != 0 ? 10 : 0
            let length = 10 + size + footer
            let held = min(length, stream.available)
            stream.consume(held)
            if length > held, try stream.discard(length - held) < length - held {
                if !stream.reachedEnd { throw HeaderInterrupted() }
                throw EngineError.inputFormat(
                    "stream ends inside an ID3v2 tag at byte \(stream.offset); the tag says \(length) bytes")
            }
            found = true
            if try !stream.fill(atLeast: 3) {
                if !stream.reachedEnd { throw HeaderInterrupted() }
            }
        }
        return found
    }

    /// A bare MPEG audio or ADTS frame at the front, confirmed by the next header.
    private static func byFrameSync(_ stream: ByteStream) throws -> CompressedContainer? {
        guard stream.available >= 2, stream.window[0] == 0xFF, stream.window[1] & 0xE0 == 0xE0 else { return nil }
        stream.reserve(capacity: confirmBytes)
        _ = try stream.fill(atLeast: confirmBytes)
        if stream.available < confirmBytes && !stream.reachedEnd { throw HeaderInterrupted() }
        let front = stream.window
        if let first = ADTSHeader(front, at: 0) {
            guard let second = ADTSHeader(front, at: first.length), second.sampleRateIndex == first.sampleRateIndex
            else { return nil }
            return .aac
        }
        if let first = MPEGAudioHeader(front, at: 0) {
            guard let second = MPEGAudioHeader(front, at: first.length), second.sameStream(as: first) else { return nil }
            return .mp3
        }
        return nil
    }
}

extension CompressedContainer {
    /// Junk that may come before the first frame of an MPEG stream joined mid-frame: at
    /// most one partial frame (the longest is 1729 bytes), with room to spare.
    static let resyncSearchBytes = 4096

    /// Bytes read before the search: the search span and two of the longest frames after
    /// it, so that the answer depends on the bytes alone, never on how a pipe split them
    /// (a raw PCM start waits for 7.4 KiB, 0.24 s of 16 kHz S16, well inside its first window).
    static let resyncLookBytes = resyncSearchBytes + 2 * confirmBytes

    /// An MPEG audio stream joined mid-frame, as an Icecast listener's first bytes are
    /// (the first frame sync 153 bytes in): the first frame header in the first
    /// `resyncSearchBytes` confirmed by the next two at the offsets each one gives.
    /// The junk before it is dropped, with a warning.
    static func joinedMidFrame(_ stream: ByteStream) throws -> CompressedContainer? {
        stream.reserve(capacity: resyncLookBytes)
        if try !stream.fill(atLeast: resyncLookBytes), !stream.reachedEnd { throw HeaderInterrupted() }
        let front = stream.window
        for offset in 1..<min(resyncSearchBytes, front.count) where front[offset] == 0xFF {
            guard let first = MPEGAudioHeader(front, at: offset),
                  let second = MPEGAudioHeader(front, at: offset + first.length), second.sameStream(as: first),
                  let third = MPEGAudioHeader(front, at: offset + first.length + second.length), third.sameStream(as: first)
            else { continue }
            stream.consume(offset)
            stream.notices.warn("stdin: skipped \(offset) bytes before the first MPEG audio frame (a stream joined mid-frame)")
            return .mp3
        }
        return nil
    }
}

/// The fixed part of an MPEG-1/2/2.5 audio frame header (Layers I to III)./// The fixed part of an MPEG-1/2/2.5 audio frame header (Layers I to III).
struct MPEGAudioHeader: Equatable {
    var version: UInt8
    var layer: UInt8
    var sampleRate: Int
    /// Bytes from this header to the next.
    var length: Int

    private static let bitratesKbps: [[Int]] = [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],  // MPEG-1 Layer I
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],     // MPEG-1 Layer II
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],      // MPEG-1 Layer III
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],     // MPEG-2/2.5 Layer I
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],          // MPEG-2/2.5 Layers II, III
    ]

    /// Nil unless `bytes` holds a whole valid header at `offset`: sync, no reserved
    /// version, layer, bitrate, rate or emphasis, and not free-format (whose length is unknown).
    init?(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        let b1 = bytes[offset + 1], b2 = bytes[offset + 2], b3 = bytes[offset + 3]
        guard bytes[offset] == 0xFF, b1 & 0xE0 == 0xE0 else { return nil }
        let version = (b1 >> 3) & 3, layerBits = (b1 >> 1) & 3
        let bitrateIndex = Int(b2 >> 4), rateIndex = Int((b2 >> 2) & 3), padding = Int((b2 >> 1) & 1)
        guard version != 1, layerBits != 0, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3, b3 & 3 != 2 else {
            return nil
        }
        let layer = 4 - layerBits
        let mpeg1 = version == 3
        let table = mpeg1 ? Int(layer) - 1 : (layer == 1 ? 3 : 4)
        let bitrate = Self.bitratesKbps[table][bitrateIndex] * 1000
        let rate = [44100, 48000, 32000][rateIndex] / (mpeg1 ? 1 : version == 2 ? 2 : 4)
        switch layer {
        case 1: length = (12 * bitrate / rate + padding) * 4
        case 2: length = 144 * bitrate / rate + padding
        default: length = (mpeg1 ? 144 : 72) * bitrate / rate + padding
        }
        self.version = version
        self.layer = layer
        sampleRate = rate
    }

    func sameStream(as other: MPEGAudioHeader) -> Bool {
        version == other.version && layer == other.layer && sampleRate == other.sampleRate
    }
}

/// An AAC ADTS frame header: a 12-bit sync with the layer bits 00 (which MPEG audio reserves).
struct ADTSHeader {
    var sampleRateIndex: UInt8
    var length: Int

    init?(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        guard offset >= 0, offset + 7 <= bytes.count else { return nil }
        guard bytes[offset] == 0xFF, bytes[offset + 1] & 0xF6 == 0xF0 else { return nil }
        let rateIndex = (bytes[offset + 2] >> 2) & 0x0F
        let length = Int(bytes[offset + 3] & 0x03) << 11 | Int(bytes[offset + 4]) << 3 | Int(bytes[offset + 5] >> 5)
        guard rateIndex < 13, length >= 7 else { return nil }
        sampleRateIndex = rateIndex
        self.length = length
    }
}

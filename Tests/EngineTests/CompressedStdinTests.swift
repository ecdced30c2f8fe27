import XCTest
import Foundation
@testable import Engine
@testable import Report

/// Compressed audio on stdin: decoded from the pipe where libsndfile can, refused with
/// a fix where it cannot, never read as raw PCM.
final class CompressedStdinTests: XCTestCase {
    override func setUp() {
        signal(SIGPIPE, SIG_IGN)
        StopRequest.reset()
    }

    override func tearDown() {
        StopRequest.reset()
    }

    // MARK: Decoded from the pipe

    /// The same samples as libsndfile reading the file, through the 64 KiB buffer and the
    /// smallest one (which the decoder grows for its look-back).
    func testFLACAndMP3FromAPipeMatchTheFile() throws {
        for (name, container) in [("hungarian_dance_6.5s.flac", "FLAC"), ("hungarian_dance_6.5s.mp3", "MP3")] {
            let bytes = try fixtureBytes(name)
            let reference = try fileSamples(Fixtures.path(name))
            for capacity in [64 * 1024, 512] {
                let (source, samples) = try StdinFeed.decode(bytes, raw: StdinFeed.s16Mono, bufferCapacity: capacity,
                                                             readSamples: 4410)
                XCTAssertEqual(source.container, container, name)
                XCTAssertEqual(source.format, reference.format, name)
                XCTAssertEqual(source.encoding, .float32LE)
                XCTAssertGreaterThan(samples.count, 5 * 44100, name)
                XCTAssertEqual(samples.count, reference.samples.count, "\(name) \(capacity)")
                XCTAssertTrue(samples == reference.samples, "\(name) with a \(capacity)-byte buffer differs from the file")
            }
        }
    }

    /// Sony Wave64 as `ffmpeg -f w64 -` writes it: 16-byte chunk GUIDs, 64-bit sizes (to a
    /// pipe, the riff and data sizes all ones).
    private static func wave64(rate: Int, channels: Int, samples: [Int16], sizesKnown: Bool) -> [UInt8] {
        let tail: [UInt8] = [0xF3, 0xAC, 0xD3, 0x11, 0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A]
        let riff: [UInt8] = Array("riff".utf8) + [0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00]
        func size(_ n: Int) -> [UInt8] { sizesKnown ? withUnsafeBytes(of: UInt64(n).littleEndian) { Array($0) } : [UInt8](repeating: 0xFF, count: 8) }
        let payload = samples.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        let fmt = TestAudio.le16(1) + TestAudio.le16(channels) + TestAudio.le32(UInt32(rate))
            + TestAudio.le32(UInt32(rate * channels * 2)) + TestAudio.le16(channels * 2) + TestAudio.le16(16)
        let fmtSize = withUnsafeBytes(of: UInt64(24 + fmt.count).littleEndian) { Array($0) }  // always known
        let chunks = Array("fmt ".utf8) + tail + fmtSize + fmt
            + Array("data".utf8) + tail + size(24 + payload.count) + payload
        let body = Array("wave".utf8) + tail + chunks
        return riff + size(24 + body.count) + body
    }

    /// Sony Wave64 (`ffmpeg -f w64 -`) decodes from the pipe to the samples it holds, also
    /// with the sizes a writer to a pipe leaves unknown (all ones, as ffmpeg writes them),
    /// instead of being read as raw PCM.
    func testWave64FromAPipeDecodes() throws {
        let values = TestAudio.music(seconds: 2, rate: 44100, channels: 2).map { Int16(($0 * 32767).rounded()) }
        for sizesKnown in [true, false] {
            let bytes = Self.wave64(rate: 44100, channels: 2, samples: values, sizesKnown: sizesKnown)
            for capacity in [64 * 1024, 512] {
                let (source, samples) = try StdinFeed.decode(bytes, raw: StdinFeed.s16Mono, bufferCapacity: capacity, readSamples: 4410)
                let label = "sizes \(sizesKnown ? "known" : "unknown"), \(capacity)-byte buffer"
                XCTAssertEqual(source.container, "Sony Wave64", label)
                XCTAssertEqual(source.format, StreamFormat(sampleRate: 44100, channels: 2), label)
                XCTAssertEqual(samples.count, values.count, label)
                XCTAssertTrue(samples == values.map { Float($0) / 32768 }, "\(label): not the samples written")
            }
        }
    }

    /// libsndfile seeks past an ID3 tag, which a pipe cannot do for one larger than the
    /// buffer (cover art): the tag is dropped before the decoder sees the stream.
    func testMP3BehindALargeID3TagDecodes() throws {
        let mp3 = try fixtureBytes("hungarian_dance_6.5s.mp3")
        let size = 300_000
        let syncsafe = [UInt8(size >> 21 & 0x7F), UInt8(size >> 14 & 0x7F), UInt8(size >> 7 & 0x7F), UInt8(size & 0x7F)]
        let tag = Array("ID3".utf8) + [3, 0, 0] + syncsafe + [UInt8](repeating: 0xFF, count: size)
        let reference = try fileSamples(Fixtures.path("hungarian_dance_6.5s.mp3"))
        let (source, samples) = try StdinFeed.decode(tag + mp3, raw: StdinFeed.s16Mono)
        XCTAssertEqual(source.container, "MP3")
        XCTAssertTrue(samples == reference.samples, "\(samples.count) vs \(reference.samples.count) samples")
    }

    /// Concatenated FLAC streams (and chained Ogg, below) keep going past the first end.
    func testConcatenatedFLACStreamsAreAllHeard() throws {
        let flac = try fixtureBytes("hungarian_dance_6.5s.flac")
        let reference = try fileSamples(Fixtures.path("hungarian_dance_6.5s.flac"))
        let (_, samples) = try StdinFeed.decode(flac + flac + flac, raw: StdinFeed.s16Mono)
        XCTAssertEqual(samples.count, 3 * reference.samples.count)
        XCTAssertTrue(Array(samples.suffix(reference.samples.count)) == reference.samples)
    }

    /// An internet radio's Ogg stream is chained: every song starts a new logical stream.
    func testChainedOggVorbisAndOpusAreAllHeard() throws {
        guard let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first(where: FileManager.default.isExecutableFile)
        else { throw XCTSkip("ffmpeg not installed; it makes the Ogg test streams") }
        for codec in ["libvorbis", "libopus"] {
            let rate = codec == "libopus" ? 48000 : 44100
            let link = try run(ffmpeg, ["-loglevel", "error", "-f", "lavfi", "-i", "sine=f=440:r=\(rate):d=2",
                                        "-ac", "2", "-c:a", codec, "-f", "ogg", "-"])
            XCTAssertEqual(link.fourCCPrefix, "OggS")
            let single = try StdinFeed.decode(link, raw: StdinFeed.s16Mono)
            XCTAssertEqual(single.source.container, "Ogg")
            XCTAssertEqual(single.source.format, StreamFormat(sampleRate: rate, channels: 2))
            XCTAssertEqual(Double(single.samples.count), Double(2 * 2 * rate), accuracy: Double(2 * rate) * 0.05, codec)
            let chained = try StdinFeed.decode(link + link + link, raw: StdinFeed.s16Mono)
            XCTAssertEqual(chained.samples.count, 3 * single.samples.count, codec)
        }
    }

    /// A decoded stream is read with the pipe's waits as before: a stall is reported while
    /// the decoder waits for bytes (and heard on stderr), and a stop still ends the read.
    func testDecodedStreamHonoursStallsAndStops() throws {
        let flac = try fixtureBytes("hungarian_dance_6.5s.flac")
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        // The first 100 KB, then nothing while the writer stays open.
        let head = Array(flac.prefix(100_000))
        let writeEnd = fds[1]
        let writer = Thread { head.withUnsafeBytes { _ = write(writeEnd, $0.baseAddress, $0.count) } }
        writer.start()
        var events: [StallEvent] = []
        let source = try StdinSource(fileDescriptor: fds[0], raw: StdinFeed.s16Mono,
                                     stallWatch: StallWatch(timeout: 0.3, onEvent: { events.append($0) }))
        XCTAssertEqual(source.container, "FLAC")
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.0) { StopRequest.set(signal: SIGINT) }
        var buffer = [Float](repeating: 0, count: 8192)
        var total = 0
        let started = Date()
        while case let n = try buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }), n > 0 { total += n }
        XCTAssertGreaterThan(total, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertEqual(events.count, 1, "\(events)")
        if case .stalled = events.first {} else { XCTFail("expected .stalled, got \(events)") }
        XCTAssertEqual(source.stallWatch?.stallCount, 1)
    }

    // MARK: Refused

    func testContainersWithoutAPipeDecoderAreRefusedWithTheFix() {
        let adtsFrame: [UInt8] = [0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC] + [UInt8](repeating: 0x21, count: 9)
        let cases: [(String, [UInt8], String)] = [
            ("MP4", [0, 0, 0, 0x20] + Array("ftypM4A ".utf8) + [UInt8](repeating: 0, count: 40), "MP4/M4A"),
            ("WebM", [0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 0x42, count: 40), "Matroska/WebM"),
            ("ADTS", adtsFrame + adtsFrame + adtsFrame, "AAC (ADTS)"),
            // A WavPack block header (ffmpeg -f wv): magic, block size, version 0x410.
            ("WavPack", Array("wvpk".utf8) + [0xB6, 0xD7, 0x01, 0x00, 0x10, 0x04] + [UInt8](repeating: 0, count: 40), "WavPack"),
        ]
        for (label, bytes, name) in cases {
            XCTAssertThrowsError(try StdinFeed.decode(bytes, raw: StdinFeed.s16Mono), label) { error in
                guard case EngineError.inputFormat(let message) = error else { return XCTFail("\(label): \(error)") }
                XCTAssertTrue(message.hasPrefix("stdin holds \(name) audio, which genre-stream cannot decode"), message)
                XCTAssertTrue(message.contains("ffmpeg -i "), message)
                XCTAssertFalse(message.contains("\n"))
                XCTAssertEqual((error as? EngineError)?.exitCode, 65)
            }
        }
    }

    func testBrokenCompressedStreamsFailInOneLine() {
        let cases: [(String, [UInt8], String)] = [
            ("FLAC magic, then garbage", Array("fLaC".utf8) + [UInt8](repeating: 0x55, count: 3000), "FLAC"),
            ("Ogg magic, then garbage", Array("OggS".utf8) + [UInt8](repeating: 0x00, count: 3000), "Ogg"),
            ("ID3 tag, no frames", Array("ID3".utf8) + [3, 0, 0, 0, 0, 0, 10] + [UInt8](repeating: 0, count: 10)
                + [UInt8](repeating: 0x11, count: 3000), "ID3v2 tag"),
            ("ID3 tag cut short", Array("ID3".utf8) + [3, 0, 0, 0, 1, 0, 0] + [UInt8](repeating: 0, count: 100), "ID3v2 tag"),
        ]
        for (label, bytes, fragment) in cases {
            XCTAssertThrowsError(try StdinFeed.decode(bytes, raw: StdinFeed.s16Mono), label) { error in
                guard case EngineError.inputFormat(let message) = error else { return XCTFail("\(label): \(error)") }
                XCTAssertTrue(message.contains(fragment), "\(label): \(message)")
                XCTAssertFalse(message.contains("\n"), label)
            }
        }
    }

    // MARK: Raw PCM stays raw

    /// A frame sync at the front is only MP3 if a second header sits where the first ends.
    func testFrameSyncWithoutASecondHeaderIsRawPCM() throws {
        // 0xFFFB 0x90 0x64: MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417 bytes per frame.
        var bytes: [UInt8] = [0xFF, 0xFB, 0x90, 0x64] + [UInt8](repeating: 0x10, count: 4000)
        let (source, samples) = try StdinFeed.decode(bytes, raw: StdinFeed.s16Mono)
        XCTAssertEqual(source.container, "raw")
        XCTAssertEqual(samples.count, bytes.count / 2)
        XCTAssertEqual(samples[0], Float(Int16(bitPattern: 0xFBFF)) / 32768)

        // With the second header in place it is MP3: decoded (garbage frames) or refused, never raw.
        bytes.replaceSubrange(417..<421, with: [0xFF, 0xFB, 0x90, 0x64])
        do {
            let decoded = try StdinFeed.decode(bytes, raw: StdinFeed.s16Mono)
            XCTAssertEqual(decoded.source.container, "MP3")
        } catch EngineError.inputFormat(let message) {
            XCTAssertTrue(message.contains("MP3"), message)
        }
    }

    func testFrameLengths() {
        func header(_ bytes: [UInt8]) -> MPEGAudioHeader? {
            bytes.withUnsafeBytes { MPEGAudioHeader($0, at: 0) }
        }
        XCTAssertEqual(header([0xFF, 0xFB, 0x90, 0x64])?.length, 417)           // MPEG-1 L3 128k 44.1k
        XCTAssertEqual(header([0xFF, 0xFB, 0x92, 0x64])?.length, 418)           // padded
        XCTAssertEqual(header([0xFF, 0xF3, 0x40, 0x64])?.length, 72 * 32 / 22) // MPEG-2 L3 32k 22.05k: 104
        XCTAssertEqual(header([0xFF, 0xFD, 0xE8, 0x00])?.length, 144 * 384 / 32) // MPEG-1 L2 384k 32k: 1728
        XCTAssertEqual(header([0xFF, 0xFF, 0x10, 0x00])?.length, 32)            // MPEG-1 L1 32k 44.1k: 8 slots of 4
        XCTAssertNil(header([0xFF, 0xFB, 0x00, 0x64]), "free format")
        XCTAssertNil(header([0xFF, 0xFB, 0xF0, 0x64]), "bad bitrate")
        XCTAssertNil(header([0xFF, 0xFB, 0x9C, 0x64]), "reserved rate")
        XCTAssertNil(header([0xFF, 0xEB, 0x90, 0x64]), "reserved version")
        XCTAssertNil(header([0xFF, 0xF9, 0x90, 0x64]), "layer 00 is ADTS")
        XCTAssertLessThanOrEqual(1729 + 4, CompressedContainer.confirmBytes)
    }

    func testRawPCMAndHeadersAreUnaffected() throws {
        let values: [Int16] = [0x4449, 0x0333, -1, 0]  // starts "ID" "3\u{3}" but is no tag (bad size bytes follow)
        let bytes: [UInt8] = values.flatMap { v -> [UInt8] in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
            + [0xFF, 0xFF, 0x80, 0x80, 0, 0]
        let (source, samples) = try StdinFeed.decode(bytes, raw: StdinFeed.s16Mono)
        XCTAssertEqual(source.container, "raw")
        XCTAssertEqual(samples.count, 7)
    }

    /// Sniffing never waits past the bytes the mid-frame MP3 search needs: a live raw
    /// stream is decided once `resyncLookBytes` have come, whatever they hold.
    func testSniffingWaitsOnlyForTheResyncSpan() throws {
        for start: [UInt8] in [[0, 0, 0, 0], [0x49, 0x44, 0x00, 0x00], [0x12, 0x34, 0x56, 0x78]] {
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            defer { close(fds[0]); close(fds[1]) }
            let bytes = (0..<CompressedContainer.resyncLookBytes).map { start[$0 % 4] }
            bytes.withUnsafeBytes { _ = write(fds[1], $0.baseAddress, $0.count) }
            // Waiting on the silent pipe would throw the stall error rather than hang.
            let watch = StallWatch(timeout: 0.5, exitOnStall: true, onEvent: { _ in })
            let source = try StdinSource(fileDescriptor: fds[0], raw: StdinFeed.s16Mono, stallWatch: watch)
            XCTAssertEqual(source.container, "raw", "\(start)")
            var buffer = [Float](repeating: 0, count: 2)
            XCTAssertEqual(try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }, 2, "\(start)")
        }
    }

    /// Whether a stream joined mid-frame is MP3 depends on its bytes alone, not on the
    /// buffer or on how the pipe split them (the stream fuzzer found a join 898 bytes in
    /// read as raw through the 512-byte buffer and as MP3 through the 64 KiB one).
    func testMidFrameJoinIsFoundWhateverTheBufferHolds() throws {
        let mp3 = try fixtureBytes("hungarian_dance_6.5s.mp3")
        var tagLength = 0
        if mp3.starts(with: Array("ID3".utf8)) { tagLength = 10 + mp3[6..<10].reduce(0) { $0 << 7 | Int($1) } }
        let joined = Array(mp3[(tagLength + 898)...])
        var counts: [Int] = []
        for capacity in [512, 64 * 1024] {
            let (source, samples) = try StdinFeed.decode(joined, raw: StdinFeed.s16Mono, bufferCapacity: capacity)
            XCTAssertEqual(source.container, "MP3", "\(capacity)-byte buffer")
            counts.append(samples.count)
        }
        XCTAssertEqual(counts[0], counts[1])
        XCTAssertGreaterThan(counts[0], 5 * 44100)
    }

    // MARK: The binary

    /// An Icecast listener's first bytes start mid-frame: the stream is still MP3, found
    /// at its first confirmed frame, with one warning naming the bytes skipped, not raw PCM.
    func testMP3JoinedMidFrameIsResynchronised() throws {
        let mp3 = try fixtureBytes("hungarian_dance_6.5s.mp3")
        let whole = try Binary.run(["--output", "jsonl"], stdin: Data(mp3))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        // Past the ID3 tag, then 153 bytes into the audio: the field trial's offset.
        var tagLength = 0
        if mp3.starts(with: Array("ID3".utf8)) { tagLength = 10 + mp3[6..<10].reduce(0) { $0 << 7 | Int($1) } }
        let joined = Array(mp3[(tagLength + 153)...])
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(joined))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, whole.lines.count, run.stdout)
        let warning = run.stderrLines.filter { $0.contains("skipped") }
        XCTAssertEqual(warning.count, 1, run.stderr)
        XCTAssertTrue(warning.first?.contains("before the first MPEG audio frame (a stream joined mid-frame)") == true, run.stderr)
        let level = { (line: String) in (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["level_dbfs"] as! Double }
        for (a, b) in zip(run.lines, whole.lines) {
            XCTAssertEqual(try level(a), try level(b), accuracy: 1.0, "the same audio, not noise")
        }
    }

    /// A dropped connection ends an MP3 pipe inside a frame: the windows before stand and
    /// the run ends with 0 and one warning, as the same bytes read as a file do.
    func testMP3PipeCutInsideAFrameEndsLikeTheFile() throws {
        let mp3 = try fixtureBytes("hungarian_dance_6.5s.mp3")
        let cut = Array(mp3[..<(mp3.count * 2 / 3 + 77)])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("genre-stream-cut-\(getpid()).mp3")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(cut).write(to: file)
        let fromFile = try Binary.run(["--output", "jsonl", file.path])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        let piped = try Binary.run(["--output", "jsonl"], stdin: Data(cut))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertGreaterThanOrEqual(piped.lines.count, 1)
        XCTAssertEqual(piped.lines.count, fromFile.lines.count, piped.stdout)
        let warnings = piped.stderrLines.filter { $0.contains("the stream ends inside a frame") }
        XCTAssertEqual(warnings.count, 1, piped.stderr)
        XCTAssertFalse(piped.stderr.contains("error"), piped.stderr)
    }

    func testPipedMP3IsLabelledAndPipedM4AIsRefused() throws {
        let mp3 = try XCTUnwrap(FileManager.default.contents(atPath: Fixtures.path("hungarian_dance_6.5s.mp3")))
        var run = try Binary.run(["--output", "jsonl"], stdin: mp3)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertGreaterThanOrEqual(run.lines.count, 2, run.stdout)
        XCTAssertTrue(run.lines.first?.contains("\"source\":\"stdin\"") ?? false, run.stdout)
        XCTAssertFalse(run.stderr.contains("warning"), run.stderr)

        // An ID3v1 tag after the last frame ends the stream quietly; other leftovers are mentioned.
        let id3v1 = Array("TAG".utf8) + [UInt8](repeating: 0x20, count: 125)
        run = try Binary.run(["--output", "jsonl"], stdin: mp3 + Data(id3v1))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(run.stderr.contains("warning"), run.stderr)
        // More than the decoder can have read ahead: audio may be going unheard.
        run = try Binary.run(["--output", "jsonl"], stdin: mp3 + Data([UInt8](repeating: 0x11, count: 200_000)))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertGreaterThanOrEqual(run.lines.count, 2)
        XCTAssertTrue(run.stderr.contains("the MP3 decoder ended at byte 11"), run.stderr)
        XCTAssertTrue(run.stderr.contains("before the stream did; the rest is not a new MP3 stream and was not heard"), run.stderr)

        let m4a: [UInt8] = [0, 0, 0, 0x20] + Array("ftypM4A ".utf8) + [UInt8](repeating: 0, count: 100_000)
        run = try Binary.run(["--output", "jsonl", "-f", "S16_LE"], stdin: Data(m4a))
        XCTAssertEqual(run.status, 65)
        XCTAssertEqual(run.lines, [], "no labels for what could not be decoded")
        XCTAssertEqual(run.stderrLines.count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("MP4/M4A"), run.stderr)
    }

    // MARK: Helpers

    private func fixtureBytes(_ name: String) throws -> [UInt8] {
        Array(try XCTUnwrap(FileManager.default.contents(atPath: Fixtures.path(name)), name))
    }

    private func fileSamples(_ path: String) throws -> (format: StreamFormat, samples: [Float]) {
        let source = try SoundFileSource(path: path)
        var samples: [Float] = []
        var buffer = [Float](repeating: 0, count: 4410)
        while case let n = try buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }), n > 0 {
            samples += buffer[0..<n]
        }
        return (source.format, samples)
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> [UInt8] {
        try toolOutput(executable, arguments).bytes
    }
}

private extension Array where Element == UInt8 {
    var fourCCPrefix: String { String(decoding: prefix(4), as: UTF8.self) }
}

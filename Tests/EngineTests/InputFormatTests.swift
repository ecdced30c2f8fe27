import XCTest
import Foundation
@testable import Engine
@testable import Report

/// arecord's sample format names and presets, WAV's valid-bits field, and the one
/// statement of the input limits.
final class InputFormatTests: XCTestCase {
    override func setUp() {
        signal(SIGPIPE, SIG_IGN)
        StopRequest.reset()
    }

    // MARK: S24_LE and S24_3LE

    func testS24InFourBytesSignExtendsFromBit23AndIgnoresTheTopByte() throws {
        // Low 3 bytes carry the sample; the top byte is junk a driver may leave there.
        let words: [UInt32] = [0x00_7F_FF_FF, 0xAB_80_00_00, 0x00_00_00_01, 0xFF_FF_FF_FF, 0x12_12_34_56, 0x00_00_00_00]
        let expected: [Float] = [8_388_607, -8_388_608, 1, -1, 0x123456, 0].map { Float($0) / 8_388_608 }
        let le = words.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        XCTAssertEqual(try StdinFeed.decode(le, raw: RawPCMFormat(encoding: .s24LE, sampleRate: 48000, channels: 2)).samples,
                       expected)
        let be = words.flatMap { withUnsafeBytes(of: $0.bigEndian) { Array($0) } }
        XCTAssertEqual(try StdinFeed.decode(be, raw: RawPCMFormat(encoding: .s24BE, sampleRate: 48000, channels: 1)).samples,
                       expected)
        XCTAssertEqual(SampleEncoding.s24LE.bytesPerSample, 4)
    }

    func testArecordNamesIncludeS24AndRoundTrip() {
        XCTAssertEqual(SampleEncoding(arecordName: "S24_LE"), .s24LE)
        XCTAssertEqual(SampleEncoding(arecordName: "s24_3le"), .s24_3LE)
        XCTAssertEqual(SampleEncoding(arecordName: "S24_BE"), .s24BE)
        XCTAssertTrue(SampleEncoding.arecordNames.contains("S24_LE, S24_BE"))
        // Presets are not sample formats: without their rate and channels they would mislead.
        XCTAssertNil(SampleEncoding(arecordName: "cd"))
    }

    /// sox writes 24-bit raw as packed 3-byte samples (S24_3LE); arecord's S24_LE puts the
    /// same values in 4-byte words. Both must decode to sox's own float rendering.
    func testSoxPacked24BitMatchesSoxFloat() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sox") else {
            throw XCTSkip("sox not installed (/usr/bin/sox); the 24-bit raw comparison needs it")
        }
        let synth = ["synth", "0.2", "sine", "440", "sine", "1234", "gain", "-2"]
        let signal = ["-D", "-r", "48000", "-c", "2", "-n"]
        let packed = try soxOutput(signal + ["-t", "raw", "-e", "signed", "-b", "24", "-"] + synth)
        let floats = try soxOutput(signal + ["-t", "raw", "-e", "floating-point", "-b", "32", "-"] + synth)
        XCTAssertEqual(packed.count, 2 * 9600 * 3)
        let reference = floats.withUnsafeBytes { raw in
            (0..<(floats.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        let raw3 = RawPCMFormat(encoding: .s24_3LE, sampleRate: 48000, channels: 2)
        let fromPacked = try StdinFeed.decode(packed, raw: raw3).samples
        XCTAssertEqual(fromPacked.count, reference.count)
        XCTAssertLessThanOrEqual(zip(fromPacked, reference).map { abs($0 - $1) }.max() ?? 1, 1.0 / 8_388_608)

        // The same samples in 4-byte containers with a junk top byte, as S24_LE.
        var words: [UInt8] = []
        for i in stride(from: 0, to: packed.count, by: 3) { words += packed[i..<(i + 3)] + [0x5A] }
        let fromWords = try StdinFeed.decode(words, raw: RawPCMFormat(encoding: .s24LE, sampleRate: 48000, channels: 2)).samples
        XCTAssertEqual(fromWords, fromPacked)
    }

    // MARK: cd and dat

    func testPresetsImplyRateAndChannelsAndExplicitValuesWin() throws {
        let cd = try XCTUnwrap(RawPCMFormat(arecordName: "cd", sampleRate: nil, channels: nil, defaultSampleRate: 22050))
        XCTAssertEqual(cd, RawPCMFormat(encoding: .s16LE, sampleRate: 44100, channels: 2))
        let dat = try XCTUnwrap(RawPCMFormat(arecordName: "DAT", sampleRate: nil, channels: nil, defaultSampleRate: 22050))
        XCTAssertEqual(dat, RawPCMFormat(encoding: .s16LE, sampleRate: 48000, channels: 2))
        // arecord -f cd -c 1: the explicit channel count wins, the preset's rate stays.
        XCTAssertEqual(RawPCMFormat(arecordName: "cd", sampleRate: nil, channels: 1, defaultSampleRate: 22050),
                       RawPCMFormat(encoding: .s16LE, sampleRate: 44100, channels: 1))
        XCTAssertEqual(RawPCMFormat(arecordName: "dat", sampleRate: 32000, channels: nil, defaultSampleRate: 22050),
                       RawPCMFormat(encoding: .s16LE, sampleRate: 32000, channels: 2))
        // A plain name takes the caller's defaults.
        XCTAssertEqual(RawPCMFormat(arecordName: "S24_LE", sampleRate: nil, channels: nil, defaultSampleRate: 22050),
                       RawPCMFormat(encoding: .s24LE, sampleRate: 22050, channels: 1))
        XCTAssertEqual(RawPCMFormat(arecordName: "float_le", sampleRate: 8000, channels: 3, defaultSampleRate: 22050),
                       RawPCMFormat(encoding: .float32LE, sampleRate: 8000, channels: 3))
        XCTAssertNil(RawPCMFormat(arecordName: "S17_LE", sampleRate: nil, channels: nil, defaultSampleRate: 22050))
        XCTAssertNil(RawPCMFormat(arecordName: "cdx", sampleRate: nil, channels: nil, defaultSampleRate: 22050))
        XCTAssertTrue(RawPCMFormat.arecordNames.hasSuffix("A_LAW, cd, dat"), RawPCMFormat.arecordNames)
    }

    func testCDPresetReadsInterleavedStereoAt44100() throws {
        let raw = try XCTUnwrap(RawPCMFormat(arecordName: "cd", sampleRate: nil, channels: nil, defaultSampleRate: 22050))
        let values: [Int16] = [1000, -1000, 32767, -32768]
        let (source, samples) = try StdinFeed.decode(values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }, raw: raw)
        XCTAssertEqual(source.format, StreamFormat(sampleRate: 44100, channels: 2))
        XCTAssertEqual(samples, values.map { Float($0) / 32768 })
    }

    // MARK: arecord's S24_LE in WAV

    /// A plain WAVE_FORMAT_PCM header as arecord -f S24_LE writes it: 24 bits per
    /// sample, block align 4 per channel.
    private static func pcm24InFourBytesWAV(channels: Int, rate: Int, payload: [UInt8]) -> [UInt8] {
        let fmt = TestAudio.le16(1) + TestAudio.le16(channels) + TestAudio.le32(UInt32(rate))
            + TestAudio.le32(UInt32(rate * channels * 4)) + TestAudio.le16(channels * 4) + TestAudio.le16(24)
        let body = Array("WAVE".utf8) + Array("fmt ".utf8) + TestAudio.le32(16) + fmt
            + Array("data".utf8) + TestAudio.le32(UInt32(payload.count)) + payload
        return Array("RIFF".utf8) + TestAudio.le32(UInt32(body.count)) + body
    }

    func testPCM24InFourByteContainersIsReadAsS24LE() throws {
        let values: [Int32] = [8_388_607, -8_388_608, 1, -1, 0x123456, -0x123456]
        let payload = values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        for channels in [1, 2] {
            let wav = Self.pcm24InFourBytesWAV(channels: channels, rate: 48000, payload: payload)
            let (source, samples) = try StdinFeed.decode(wav, raw: StdinFeed.s16Mono)
            XCTAssertEqual(source.encoding, .s24LE, "\(channels) channels")
            XCTAssertEqual(source.format, StreamFormat(sampleRate: 48000, channels: channels))
            XCTAssertEqual(samples, values.map { Float($0) / 8_388_608 }, "\(channels) channels")
        }
    }

    /// The header arecord itself writes for S24_LE (from ALSA's null device: silence).
    func testArecordS24LEHeaderIsAccepted() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/arecord") else {
            throw XCTSkip("arecord (alsa-utils) is not installed; scripts/setup.sh installs it")
        }
        for channels in [1, 2] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/arecord")
            process.arguments = ["-q", "-D", "null", "-f", "S24_LE", "-c", String(channels), "-r", "48000", "-s", "4800", "-t", "wav"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let wav = Array(pipe.fileHandleForReading.readDataToEndOfFile())
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            XCTAssertEqual(Int(wav[32]) | Int(wav[33]) << 8, 4 * channels, "arecord's block align")
            let (source, samples) = try StdinFeed.decode(wav, raw: StdinFeed.s16Mono)
            XCTAssertEqual(source.encoding, .s24LE)
            XCTAssertEqual(samples.count, 4800 * channels)
        }
    }

    // MARK: WAV valid bits

    func testExtensible24ValidBitsIn32BitContainersAreReadExactly() throws {
        // Left-justified: the 24-bit value sits in the top three bytes, the low byte zero.
        let values: [Int32] = [8_388_607, -8_388_608, 1, -1, 0x123456, -0x123456]
        let payload = values.flatMap { withUnsafeBytes(of: ($0 << 8).littleEndian) { Array($0) } }
        let wav = ExtensibleWAV.file(channels: 2, rate: 48000, containerBits: 32, validBits: 24, payload: payload)
        let (source, samples) = try StdinFeed.decode(wav, raw: StdinFeed.s16Mono)
        XCTAssertEqual(source.container, "WAV")
        XCTAssertEqual(source.encoding, .s32LE)
        XCTAssertEqual(source.format, StreamFormat(sampleRate: 48000, channels: 2))
        XCTAssertEqual(samples, values.map { Float($0) / 8_388_608 })
    }

    func testExtensibleFewerValidBitsInOtherContainers() throws {
        // 20 valid bits in 24, 12 in 16, and 0 (unspecified) in 16.
        let in24: [Int32] = [0x7FFFF, -0x80000, 5]
        let payload24 = in24.flatMap { Array(withUnsafeBytes(of: ($0 << 4).littleEndian) { Array($0) }.prefix(3)) }
        let wav24 = ExtensibleWAV.file(channels: 1, rate: 96000, containerBits: 24, validBits: 20, payload: payload24)
        let (source24, samples24) = try StdinFeed.decode(wav24, raw: StdinFeed.s16Mono)
        XCTAssertEqual(source24.encoding, .s24_3LE)
        XCTAssertEqual(samples24, in24.map { Float($0) / 524_288 })

        let in16: [Int16] = [2047, -2048, 1]
        let payload16 = in16.flatMap { withUnsafeBytes(of: ($0 << 4).littleEndian) { Array($0) } }
        for valid in [12, 0] {
            let wav16 = ExtensibleWAV.file(channels: 1, rate: 8000, containerBits: 16, validBits: valid, payload: payload16)
            XCTAssertEqual(try StdinFeed.decode(wav16, raw: StdinFeed.s16Mono).samples, in16.map { Float($0) / 2048 }, "\(valid)")
        }
    }

    func testMoreValidBitsThanTheContainerIsRefused() {
        let wav = ExtensibleWAV.file(channels: 2, rate: 48000, containerBits: 16, validBits: 24, payload: [0, 0, 0, 0])
        XCTAssertThrowsError(try StdinFeed.decode(wav, raw: StdinFeed.s16Mono)) { error in
            XCTAssertEqual(error as? EngineError,
                           .inputFormat("WAV extensible header says 24 valid bits in a 16-bit sample; expected at most 16"))
            XCTAssertEqual((error as? EngineError)?.exitCode, 65)
        }
    }

    // MARK: Limits

    func testOneLimitCheckWithOneMessage() {
        XCTAssertNoThrow(try AudioLimits.check(StreamFormat(sampleRate: 1000, channels: 64), declaredBy: "x"))
        XCTAssertNoThrow(try AudioLimits.check(StreamFormat(sampleRate: 768_000, channels: 1), declaredBy: "x"))
        let cases: [(StreamFormat, String)] = [
            (StreamFormat(sampleRate: 44100, channels: 0), "AU header says 0 channels; expected 1 to 64"),
            (StreamFormat(sampleRate: 44100, channels: 65), "AU header says 65 channels; expected 1 to 64"),
            (StreamFormat(sampleRate: 999, channels: 2), "AU header says 999 Hz; expected 1000 to 768000 Hz"),
            (StreamFormat(sampleRate: 768_001, channels: 2), "AU header says 768001 Hz; expected 1000 to 768000 Hz"),
            // Both wrong: the channels are named.
            (StreamFormat(sampleRate: 0, channels: 0), "AU header says 0 channels; expected 1 to 64"),
        ]
        for (format, message) in cases {
            XCTAssertThrowsError(try AudioLimits.check(format, declaredBy: "AU header")) { error in
                XCTAssertEqual(error as? EngineError, .inputFormat(message))
            }
        }
        XCTAssertThrowsError(try AudioLimits.check(StreamFormat(sampleRate: 8000, channels: 99), declaredBy: "raw input",
                                                   error: EngineError.usage)) { error in
            XCTAssertEqual(error as? EngineError, .usage("raw input says 99 channels; expected 1 to 64"))
        }
    }

    func testRawFormatFromTheCommandLineIsCheckedAsAUsageError() {
        XCTAssertThrowsError(try StdinFeed.decode([0, 0], raw: RawPCMFormat(encoding: .s16LE, sampleRate: 500, channels: 1))) { error in
            XCTAssertEqual(error as? EngineError, .usage("raw input says 500 Hz; expected 1000 to 768000 Hz"))
            XCTAssertEqual((error as? EngineError)?.exitCode, 64)
        }
    }

    private func soxOutput(_ arguments: [String]) throws -> [UInt8] {
        let run = try toolOutput("/usr/bin/sox", arguments)
        XCTAssertEqual(run.status, 0, "sox \(arguments)")
        return run.bytes
    }
}

/// WAVE_FORMAT_EXTENSIBLE PCM files built byte by byte, with the valid-bits field set.
enum ExtensibleWAV {
    static func file(channels: Int, rate: Int, containerBits: Int, validBits: Int, payload: [UInt8]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
        let align = channels * containerBits / 8
        var fmt = le16(0xFFFE) + le16(channels) + le32(rate) + le32(rate * align) + le16(align) + le16(containerBits)
        fmt += le16(22) + le16(validBits) + le32(0) + le16(1)
        fmt += [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
        let body = Array("WAVE".utf8) + Array("fmt ".utf8) + le32(fmt.count) + fmt + Array("data".utf8) + le32(payload.count) + payload
        return Array("RIFF".utf8) + le32(body.count) + body
    }
}

/// Feeds bytes to a `StdinSource` through a real pipe, written by a thread so that
/// inputs larger than the pipe's capacity work; shared by the input-side test files.
enum StdinFeed {
    static let s16Mono = RawPCMFormat(encoding: .s16LE, sampleRate: 22050, channels: 1)

    /// Reads the whole stream; `bufferCapacity` as in `StdinSource`'s package init.
    static func decode(_ bytes: [UInt8], raw: RawPCMFormat, bufferCapacity: Int = 64 * 1024,
                       readSamples: Int = 4096) throws -> (source: StdinSource, samples: [Float]) {
        let (readEnd, writer) = try start(writing: bytes)
        defer {
            close(readEnd)
            writer.wait()
        }
        let source = try StdinSource(fileDescriptor: readEnd, raw: raw, bufferCapacity: bufferCapacity)
        var samples: [Float] = []
        var buffer = [Float](repeating: .nan, count: readSamples)
        while case let n = try buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }), n > 0 {
            samples += buffer[0..<n]
        }
        return (source, samples)
    }

    /// A pipe whose write end a thread fills with `bytes` and then closes; the caller
    /// closes the read end and then waits on the semaphore.
    static func start(writing bytes: [UInt8]) throws -> (readEnd: Int32, done: DispatchSemaphore) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw EngineError.internalFault("pipe failed") }
        let writeEnd = fds[1]
        let done = DispatchSemaphore(value: 0)
        Thread {
            bytes.withUnsafeBytes { all in
                var offset = 0
                while offset < all.count {
                    let n = write(writeEnd, all.baseAddress! + offset, all.count - offset)
                    if n < 0 { if errno == EINTR { continue }; break }
                    offset += n
                }
            }
            close(writeEnd)
            done.signal()
        }.start()
        return (fds[0], done)
    }
}

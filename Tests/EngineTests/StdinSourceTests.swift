import XCTest
import Foundation
@testable import Engine
@testable import Report

/// StdinSource fed through a real pipe, with headers built byte by byte in the tests.
final class StdinSourceTests: XCTestCase {
    private let rawS16Mono = RawPCMFormat(encoding: .s16LE, sampleRate: 22050, channels: 1)

    override func setUp() {
        signal(SIGPIPE, SIG_IGN)
        StopRequest.reset()
    }

    // MARK: WAV codecs

    func testWAV16BitStereo() throws {
        let values: [Int16] = [0, 1, -1, 32767, -32768, 12345]
        let wav = WAVBuilder.file(tag: 1, channels: 2, rate: 44100, bits: 16, payload: values.flatMap { $0.littleEndianBytes })
        let (source, samples) = try decodeAll(wav)
        XCTAssertEqual(source.format, StreamFormat(sampleRate: 44100, channels: 2))
        XCTAssertEqual(source.container, "WAV")
        XCTAssertEqual(source.encoding, .s16LE)
        XCTAssertEqual(source.name, "stdin")
        XCTAssertEqual(samples, [0, 1.0 / 32768, -1.0 / 32768, 32767.0 / 32768, -1, 12345.0 / 32768])
    }

    func testWAVUnsigned8Bit() throws {
        let wav = WAVBuilder.file(tag: 1, channels: 1, rate: 8000, bits: 8, payload: [0, 128, 255, 1, 200])
        let (source, samples) = try decodeAll(wav)
        XCTAssertEqual(source.encoding, .u8)
        XCTAssertEqual(samples, [-1, 0, 127.0 / 128, -127.0 / 128, 72.0 / 128])
    }

    func testWAVPacked24Bit() throws {
        let values: [Int32] = [-8_388_608, 8_388_607, 1, -1, 0x123456, 0]
        let payload = values.flatMap { v -> [UInt8] in Array(v.littleEndianBytes.prefix(3)) }
        let wav = WAVBuilder.file(tag: 1, channels: 1, rate: 48000, bits: 24, payload: payload)
        let (source, samples) = try decodeAll(wav)
        XCTAssertEqual(source.encoding, .s24_3LE)
        XCTAssertEqual(samples, values.map { Float($0) / 8_388_608 })
        XCTAssertEqual(samples[0], -1)
    }

    func testWAV32BitInteger() throws {
        let values: [Int32] = [Int32.min, Int32.max, 1, -1, 1 << 30, -123_456_789]
        let wav = WAVBuilder.file(tag: 1, channels: 2, rate: 96000, bits: 32, payload: values.flatMap { $0.littleEndianBytes })
        let (source, samples) = try decodeAll(wav)
        XCTAssertEqual(source.encoding, .s32LE)
        XCTAssertEqual(samples, values.map { Float($0) / 2_147_483_648 })
        XCTAssertEqual(samples[0], -1)
        XCTAssertEqual(samples[4], 0.5)
    }

    func testWAVFloat32PassesThrough() throws {
        let values: [Float] = [0.5, -0.25, 1, -1, 0.123456789, 3.5, -1e-30]
        let wav = WAVBuilder.file(tag: 3, channels: 1, rate: 22050, bits: 32, payload: values.flatMap { $0.bitPattern.littleEndianBytes })
        let (source, samples) = try decodeAll(wav)
        XCTAssertEqual(source.encoding, .float32LE)
        XCTAssertEqual(samples, values)
    }

    func testWAVFloat64IsRoundedToFloat() throws {
        let values: [Double] = [0.1, -0.75, 1e-3, 1, -1, 0.333333333333]
        let wav = WAVBuilder.file(tag: 3, channels: 3, rate: 16000, bits: 64, payload: values.flatMap { $0.bitPattern.littleEndianBytes })
        let (source, samples) = try decodeAll(wav)
        XCTAssertEqual(source.encoding, .float64LE)
        XCTAssertEqual(source.format.channels, 3)
        XCTAssertEqual(samples, values.map { Float($0) })
    }

    func testWAVExtensiblePCMAndFloat() throws {
        let ints: [Int16] = [100, -200, 300, -400]
        let pcm = WAVBuilder.file(tag: 0xFFFE, channels: 2, rate: 48000, bits: 16, subformat: 1, payload: ints.flatMap { $0.littleEndianBytes })
        XCTAssertEqual(try decodeAll(pcm).1, ints.map { Float($0) / 32768 })

        let floats: [Float] = [0.25, -0.5, 0.75]
        let float = WAVBuilder.file(tag: 0xFFFE, channels: 1, rate: 48000, bits: 32, subformat: 3,
                             payload: floats.flatMap { $0.bitPattern.littleEndianBytes })
        let (source, samples) = try decodeAll(float)
        XCTAssertEqual(source.encoding, .float32LE)
        XCTAssertEqual(samples, floats)
    }

    func testWAVG711Tags() throws {
        let alaw = WAVBuilder.file(tag: 6, channels: 1, rate: 8000, bits: 8, payload: [0xD5, 0x55, 0xAA, 0x2A])
        XCTAssertEqual(try decodeAll(alaw).1, [8.0 / 32768, -8.0 / 32768, 32256.0 / 32768, -32256.0 / 32768])
        let ulaw = WAVBuilder.file(tag: 7, channels: 1, rate: 8000, bits: 8, payload: [0xFF, 0x00, 0x80])
        XCTAssertEqual(try decodeAll(ulaw).1, [0, -32124.0 / 32768, 32124.0 / 32768])
    }

    // MARK: WAV structure

    func testStreamingSizeFieldsMeanUntilEndOfStream() throws {
        let values: [Int16] = Array(-50..<50).map { Int16($0 * 300) }
        let payload = values.flatMap { $0.littleEndianBytes }
        // arecord 1.2.8 writes 0x80000000, sox 0x7FFFF000, ffmpeg 0xFFFFFFFF; some writers 0 or 0x7FFFFFFF.
        for size: UInt32 in [0x7FFF_FFFF, 0, 0xFFFF_FFFF, 0x8000_0000, 0x7FFF_F000] {
            let wav = WAVBuilder.file(tag: 1, channels: 1, rate: 8000, bits: 16, riffSize: size &+ 36, dataSize: size,
                               payload: payload)
            let (_, samples) = try decodeAll(wav)
            XCTAssertEqual(samples, values.map { Float($0) / 32768 }, "data size 0x\(String(size, radix: 16))")
        }
    }

    func testFiniteDataChunkStopsBeforeTrailingChunks() throws {
        let values: [Int16] = [1000, 2000, 3000]
        var wav = WAVBuilder.file(tag: 1, channels: 1, rate: 8000, bits: 16, payload: values.flatMap { $0.littleEndianBytes })
        wav += WAVBuilder.chunk("LIST", Array("INFOISFT junk that is not audio".utf8))
        let (_, samples) = try decodeAll(wav)
        XCTAssertEqual(samples, values.map { Float($0) / 32768 })
    }

    func testUnknownChunksAndPadBytesAreSkipped() throws {
        let values: [Int16] = [-7, 7, 77]
        let wav = WAVBuilder.file(tag: 1, channels: 1, rate: 11025, bits: 16,
                           before: WAVBuilder.chunk("JUNK", [1, 2, 3]),  // odd size: one pad byte follows
                           between: WAVBuilder.chunk("fact", [4, 0, 0, 0]) + WAVBuilder.chunk("LIST", Array(repeating: 0xAB, count: 70_001)),
                           payload: values.flatMap { $0.littleEndianBytes })
        let (source, samples) = try decodeAll(wav)
        XCTAssertEqual(source.format.sampleRate, 11025)
        XCTAssertEqual(samples, values.map { Float($0) / 32768 })
    }

    func testLargeFmtChunkIsReadPastItsEnd() throws {
        // A 51-byte fmt chunk (extensible plus 11 bytes of extra, then a pad byte) must not shift the data.
        var fmt = WAVBuilder.fmtBody(tag: 0xFFFE, channels: 1, rate: 8000, bits: 16, subformat: 1)
        fmt += Array(repeating: 0xEE, count: 11)
        let values: [Int16] = [5, -5]
        let wav = WAVBuilder.riff(WAVBuilder.chunk("fmt ", fmt) + WAVBuilder.chunk("data", values.flatMap { $0.littleEndianBytes }))
        XCTAssertEqual(try decodeAll(wav).1, values.map { Float($0) / 32768 })
    }

    func testRF64WithDS64DataSize() throws {
        let values: [Int16] = [11, 22, 33, 44]
        var ds64: [UInt8] = []
        ds64 += UInt64(0).littleEndianBytes + UInt64(6).littleEndianBytes + UInt64(3).littleEndianBytes + UInt32(0).littleEndianBytes  // riff, data (3 samples), sample count, table
        var body = Array("WAVE".utf8) + WAVBuilder.chunk("ds64", ds64)
        body += WAVBuilder.chunk("fmt ", WAVBuilder.fmtBody(tag: 1, channels: 1, rate: 8000, bits: 16))
        body += Array("data".utf8) + UInt32(0xFFFF_FFFF).littleEndianBytes + values.flatMap { $0.littleEndianBytes }
        let rf64 = Array("RF64".utf8) + UInt32(0xFFFF_FFFF).littleEndianBytes + body
        let (source, samples) = try decodeAll(rf64)
        XCTAssertEqual(source.container, "RF64")
        XCTAssertEqual(samples, values.prefix(3).map { Float($0) / 32768 })
    }

    func testPlaceholderSizeFields() {
        for size: UInt32 in [0, 0x7FFF_F000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF] {
            XCTAssertNil(StreamHeader.streamLength(fromSizeField: size), "0x\(String(size, radix: 16))")
        }
        XCTAssertEqual(StreamHeader.streamLength(fromSizeField: 1), 1)
        XCTAssertEqual(StreamHeader.streamLength(fromSizeField: 0x7FFE_FFFF), 0x7FFE_FFFF)
    }

    func testSmallBufferRefillsKeepPartialFramesInOrder() throws {
        // 3-byte frames through a 512-byte buffer: refills constantly split frames.
        let values: [Int32] = (0..<20_000).map { ($0 &* 7_654_321) % 8_388_608 }
        let payload = values.flatMap { Array($0.littleEndianBytes.prefix(3)) }
        let wav = WAVBuilder.file(tag: 1, channels: 1, rate: 8000, bits: 24, payload: payload)
        for writeChunk in [1000, 65_536] {
            let pipe = try PipeFeed(writing: wav, chunk: writeChunk)
            defer { pipe.finish() }
            let source = try StdinSource(fileDescriptor: pipe.readEnd, raw: rawS16Mono, bufferCapacity: 1)
            var samples: [Float] = []
            var buffer = [Float](repeating: 0, count: 1000)
            while case let n = try buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }), n > 0 {
                samples += buffer[0..<n]
            }
            XCTAssertEqual(samples, values.map { Float($0) / 8_388_608 }, "writes of \(writeChunk)")
        }
    }

    func testHeaderSplitAcrossTinyWrites() throws {
        let values: [Int16] = (0..<64).map { Int16($0 * 500 - 16000) }
        let wav = WAVBuilder.file(tag: 1, channels: 2, rate: 32000, bits: 16, before: WAVBuilder.chunk("JUNK", [9, 9, 9, 9]),
                           payload: values.flatMap { $0.littleEndianBytes })
        for chunkSize in [1, 3, 7] {
            let (source, samples) = try decodeAll(wav, writeChunk: chunkSize, pauseMicroseconds: 200)
            XCTAssertEqual(source.format, StreamFormat(sampleRate: 32000, channels: 2))
            XCTAssertEqual(samples, values.map { Float($0) / 32768 }, "chunks of \(chunkSize) bytes")
        }
    }

    func testReadsInAnyBufferSizeEqualOneShot() throws {
        let values: [Int16] = (0..<3000).map { Int16(truncatingIfNeeded: $0 &* 7919) }
        let wav = WAVBuilder.file(tag: 1, channels: 3, rate: 44100, bits: 16, payload: values.flatMap { $0.littleEndianBytes })
        var generator = SeededRandom(seed: 42)
        let (_, samples) = try decodeAll(wav, writeChunk: 333, bufferSizes: { Int(generator.next() % 40) + 3 })
        XCTAssertEqual(samples, values.map { Float($0) / 32768 })
    }

    func testLongStreamThroughFixedBuffer() throws {
        // Several times the 64 KiB byte buffer, written in odd-sized pieces.
        let count = 200_003
        let values: [Int16] = (0..<count).map { Int16(truncatingIfNeeded: $0 &* 31 &- 9000) }
        let wav = WAVBuilder.file(tag: 1, channels: 1, rate: 22050, bits: 16, dataSize: 0, payload: values.flatMap { $0.littleEndianBytes })
        let (_, samples) = try decodeAll(wav, writeChunk: 4097)
        XCTAssertEqual(samples.count, count)
        XCTAssertEqual(samples, values.map { Float($0) / 32768 })
    }

    // MARK: Sun AU

    func testAU16BitBigEndianWithAnnotation() throws {
        let values: [Int16] = [1, -1, 32767, -32768]
        let au = AUBuilder.file(encoding: 3, rate: 8000, channels: 2, annotation: Array("made by a test\0\0".utf8),
                         payload: values.flatMap { $0.bigEndianBytes })
        let (source, samples) = try decodeAll(au)
        XCTAssertEqual(source.container, "AU")
        XCTAssertEqual(source.encoding, .s16BE)
        XCTAssertEqual(source.format, StreamFormat(sampleRate: 8000, channels: 2))
        XCTAssertEqual(samples, [1.0 / 32768, -1.0 / 32768, 32767.0 / 32768, -1])
    }

    func testAUFloatAndDouble() throws {
        let floats: [Float] = [0.5, -0.125, 0.9]
        let au = AUBuilder.file(encoding: 6, rate: 44100, channels: 1, payload: floats.flatMap { $0.bitPattern.bigEndianBytes })
        XCTAssertEqual(try decodeAll(au).1, floats)
        let doubles: [Double] = [0.1, -0.2]
        let au64 = AUBuilder.file(encoding: 7, rate: 44100, channels: 1, payload: doubles.flatMap { $0.bitPattern.bigEndianBytes })
        XCTAssertEqual(try decodeAll(au64).1, doubles.map { Float($0) })
    }

    func testAUMuLawAndALawAndLinear() throws {
        let mu = AUBuilder.file(encoding: 1, rate: 8000, channels: 1, payload: [0xFF, 0x7F, 0x00, 0x80, 0xF0])
        // 0xF0: ~0xF0 = 0x0F -> ((15 << 3) + 132) << 0 - 132 = 120.
        XCTAssertEqual(try decodeAll(mu).1, [0, 0, -32124.0 / 32768, 32124.0 / 32768, 120.0 / 32768])
        let a = AUBuilder.file(encoding: 27, rate: 8000, channels: 1, payload: [0xD5, 0xAA])
        XCTAssertEqual(try decodeAll(a).1, [8.0 / 32768, 32256.0 / 32768])
        let s8 = AUBuilder.file(encoding: 2, rate: 8000, channels: 1, payload: [0x80, 0x7F, 0x00])
        XCTAssertEqual(try decodeAll(s8).1, [-1, 127.0 / 128, 0])
        let s24 = AUBuilder.file(encoding: 4, rate: 8000, channels: 1, payload: [0x80, 0x00, 0x00, 0x00, 0x00, 0x01])
        XCTAssertEqual(try decodeAll(s24).1, [-1, 1.0 / 8_388_608])
        let s32 = AUBuilder.file(encoding: 5, rate: 8000, channels: 1, payload: Int32(-1 << 30).bigEndianBytes)
        XCTAssertEqual(try decodeAll(s32).1, [-0.5])
    }

    func testAUFiniteSizeAndArecordUnknownSize() throws {
        let values: [Int16] = [10, 20, 30]
        let finite = AUBuilder.file(encoding: 3, rate: 8000, channels: 1, dataSize: 4, payload: values.flatMap { $0.bigEndianBytes })
        XCTAssertEqual(try decodeAll(finite).1, [10.0 / 32768, 20.0 / 32768])
        // arecord writes 0xFFFFFFFE to a pipe.
        let streaming = AUBuilder.file(encoding: 3, rate: 8000, channels: 1, dataSize: 0xFFFF_FFFE, payload: values.flatMap { $0.bigEndianBytes })
        XCTAssertEqual(try decodeAll(streaming).1, values.map { Float($0) / 32768 })
    }

    // MARK: Raw PCM

    func testRawS16DropsTrailingPartialFrameWithOneWarning() throws {
        let values: [Int16] = [100, -100, 200, -200, 300, -300, 400, -400]
        let bytes: [UInt8] = values.flatMap { $0.littleEndianBytes } + [0x01, 0x02, 0x03]
        let raw = RawPCMFormat(encoding: .s16LE, sampleRate: 16000, channels: 2)
        let (source, samples) = try decodeAll(bytes, raw: raw)
        XCTAssertEqual(source.container, "raw")
        XCTAssertEqual(source.format, StreamFormat(sampleRate: 16000, channels: 2))
        XCTAssertEqual(samples, values.map { Float($0) / 32768 })
        // The source raises it for the pipeline to hand on; it writes nothing itself.
        let notices = source.takeNotices()
        XCTAssertEqual(notices.count, 1, "\(notices)")
        XCTAssertEqual(notices.first?.severity, .warning)
        XCTAssertTrue(notices.first?.message.contains("dropped 3 trailing bytes") == true, "\(notices)")
        XCTAssertEqual(source.takeNotices(), [], "taken")
    }

    func testFiniteWAVDataWithPartialFrameWarns() throws {
        let values: [Int16] = [1, 2, 3]
        let wav = WAVBuilder.file(tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: 5, payload: values.flatMap { $0.littleEndianBytes })
        let (source, samples) = try decodeAll(wav)
        XCTAssertEqual(samples, [1.0 / 32768, 2.0 / 32768])
        let notices = source.takeNotices().map(\.message)
        XCTAssertEqual(notices.count, 1, "\(notices)")
        XCTAssertTrue(notices.first?.contains("dropped 1 trailing bytes") == true, "\(notices)")
    }

    func testRawFormatsFromArecordNames() throws {
        let floats: [Float] = [0.5, -0.5]
        let rawFloat = RawPCMFormat(encoding: try XCTUnwrap(SampleEncoding(arecordName: "float_le")), sampleRate: 48000, channels: 1)
        XCTAssertEqual(try decodeAll(floats.flatMap { $0.bitPattern.littleEndianBytes }, raw: rawFloat).1, floats)

        let rawU8 = RawPCMFormat(encoding: try XCTUnwrap(SampleEncoding(arecordName: "U8")), sampleRate: 8000, channels: 1)
        XCTAssertEqual(try decodeAll([0x80, 0xC0, 0x40], raw: rawU8).1, [0, 0.5, -0.5])

        let rawS32 = RawPCMFormat(encoding: try XCTUnwrap(SampleEncoding(arecordName: "S32_LE")), sampleRate: 8000, channels: 1)
        XCTAssertEqual(try decodeAll(Int32(1 << 29).littleEndianBytes, raw: rawS32).1, [0.25])
    }

    func testShortRawStreamAndEmptyStream() throws {
        XCTAssertEqual(try decodeAll(Int16(-16384).littleEndianBytes, raw: rawS16Mono).1, [-0.5])
        let (source, samples) = try decodeAll([], raw: rawS16Mono)
        XCTAssertEqual(samples, [])
        XCTAssertEqual(source.format, StreamFormat(sampleRate: 22050, channels: 1))
    }

    func testArecordNames() {
        let expected: [String: SampleEncoding] = [
            "S16_LE": .s16LE, "s16_le": .s16LE, "U8": .u8, "FLOAT_LE": .float32LE, "S32_LE": .s32LE,
            "S24_3LE": .s24_3LE, "FLOAT64_LE": .float64LE, "S16_BE": .s16BE, "MU_LAW": .muLaw, "a_law": .aLaw,
        ]
        for (name, encoding) in expected {
            XCTAssertEqual(SampleEncoding(arecordName: name), encoding, name)
        }
        for bad in ["S20_LE", "S16", "wav", ""] {
            XCTAssertNil(SampleEncoding(arecordName: bad), bad)
        }
        for encoding in SampleEncoding.allCases {
            XCTAssertEqual(SampleEncoding(arecordName: encoding.arecordName), encoding)
        }
    }

    // MARK: A real writer

    /// sox streaming to a pipe writes a placeholder size and, for 24-bit stereo, an
    /// extensible header; the decoded audio must match sox's own float output.
    func testSoxStreamsMatchSoxFloatOutput() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sox") else { throw XCTSkip("sox not installed") }
        let signal = ["-r", "44100", "-c", "2", "-n"]
        let synth = ["synth", "0.3", "sine", "440", "sine", "660", "gain", "-3"]
        let reference = try runSox(["-D"] + signal + ["-t", "raw", "-e", "floating-point", "-b", "32", "-"] + synth,
                                   raw: RawPCMFormat(encoding: .float32LE, sampleRate: 44100, channels: 2))
        XCTAssertEqual(reference.1.count, 2 * 13230)
        for (type, bits, encoding, tolerance) in [("wav", "24", SampleEncoding.s24_3LE, Float(1) / 8_388_608),
                                                  ("au", "16", .s16BE, Float(1) / 32768)] {
            let (source, samples) = try runSox(["-D"] + signal + ["-t", type, "-b", bits, "-"] + synth, raw: rawS16Mono)
            XCTAssertEqual(source.encoding, encoding, type)
            XCTAssertEqual(source.format, StreamFormat(sampleRate: 44100, channels: 2), type)
            XCTAssertEqual(samples.count, reference.1.count, type)
            let worst = zip(samples, reference.1).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, tolerance, type)
        }
    }

    /// `arecord -t wav` to a pipe (here from an ALSA file PCM replaying known samples)
    /// writes a streaming header: RIFF and data sizes of 0x80000000 in alsa-utils 1.2.8.
    func testArecordStreamingHeader() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/arecord") else { throw XCTSkip("arecord not installed") }
        let directory = NSTemporaryDirectory() + "gs-arecord-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let values: [Int16] = (0..<4000).map { Int16(truncatingIfNeeded: $0 &* 131) }
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/in.raw", contents: Data(values.flatMap { $0.littleEndianBytes })))
        let configuration = """
            pcm.gs_test { type file slave { pcm { type null } } file "/dev/null" infile "\(directory)/in.raw" format "raw" }
            """
        try configuration.write(toFile: directory + "/asound.conf", atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/arecord")
        process.arguments = ["-q", "-D", "gs_test", "-f", "S16_LE", "-r", "16000", "-c", "1", "-t", "wav"]
        process.environment = ["ALSA_CONFIG_PATH": directory + "/asound.conf"]
        let output = Foundation.Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer {
            // arecord may be blocked writing to the full pipe: closing our end lets it die of EPIPE.
            process.terminate()
            try? output.fileHandleForReading.close()
            process.waitUntilExit()
        }
        let source = try StdinSource(fileDescriptor: output.fileHandleForReading.fileDescriptor, raw: rawS16Mono)
        XCTAssertEqual(source.format, StreamFormat(sampleRate: 16000, channels: 1))
        var samples: [Float] = []
        var buffer = [Float](repeating: 0, count: 1000)
        while samples.count < values.count,
              case let n = try buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }), n > 0 {
            samples += buffer[0..<n]
        }
        XCTAssertEqual(Array(samples.prefix(values.count)), values.map { Float($0) / 32768 })
    }

    private func runSox(_ arguments: [String], raw: RawPCMFormat) throws -> (StdinSource, [Float]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
        process.arguments = arguments
        let output = Foundation.Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer { process.waitUntilExit() }
        let source = try StdinSource(fileDescriptor: output.fileHandleForReading.fileDescriptor, raw: raw)
        var samples: [Float] = []
        var buffer = [Float](repeating: 0, count: 4096)
        while case let n = try buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }), n > 0 {
            samples += buffer[0..<n]
        }
        return (source, samples)
    }

    // MARK: Lying and unsupported headers

    func testUnsupportedHeadersNameWhatWasFound() {
        let pcm16: [UInt8] = [0, 0, 1, 0]
        let cases: [(String, [UInt8], String)] = [
            ("not WAVE", Array("RIFF".utf8) + UInt32(100).littleEndianBytes + Array("AVI ".utf8) + [0, 0, 0, 0], "'AVI '"),
            ("0 channels", WAVBuilder.file(tag: 1, channels: 0, rate: 8000, bits: 16, blockAlign: 0, payload: pcm16), "0 channels"),
            ("65 channels", WAVBuilder.file(tag: 1, channels: 65, rate: 8000, bits: 16, payload: pcm16), "65 channels"),
            ("rate 500", WAVBuilder.file(tag: 1, channels: 1, rate: 500, bits: 16, payload: pcm16), "500 Hz"),
            ("rate 1 MHz", WAVBuilder.file(tag: 1, channels: 1, rate: 1_000_000, bits: 16, payload: pcm16), "1000000 Hz"),
            ("block align", WAVBuilder.file(tag: 1, channels: 2, rate: 8000, bits: 16, blockAlign: 2, payload: pcm16),
             "block align is 2 bytes; expected 4"),
            ("mp3", WAVBuilder.file(tag: 0x55, channels: 2, rate: 44100, bits: 0, blockAlign: 1, payload: pcm16), "MPEG Layer 3"),
            ("12-bit", WAVBuilder.file(tag: 1, channels: 1, rate: 8000, bits: 12, blockAlign: 2, payload: pcm16), "12 bits"),
            ("16-bit float", WAVBuilder.file(tag: 3, channels: 1, rate: 8000, bits: 16, payload: pcm16), "16 bits"),
            ("extensible GUID", WAVBuilder.file(tag: 0xFFFE, channels: 1, rate: 8000, bits: 16, subformat: 1, guidTail: 0x77,
                                         payload: pcm16), "GUID"),
            ("short fmt", WAVBuilder.riff(WAVBuilder.chunk("fmt ", [1, 0, 1, 0]) + WAVBuilder.chunk("data", pcm16)), "fmt chunk is 4 bytes"),
            ("data first", WAVBuilder.riff(WAVBuilder.chunk("data", pcm16) + WAVBuilder.chunk("fmt ", WAVBuilder.fmtBody(tag: 1, channels: 1, rate: 8000, bits: 16))),
             "before the fmt chunk"),
            ("truncated header", Array(WAVBuilder.file(tag: 1, channels: 1, rate: 8000, bits: 16, payload: []).prefix(30)), "stream ends"),
            ("no data chunk", WAVBuilder.riff(WAVBuilder.chunk("fmt ", WAVBuilder.fmtBody(tag: 1, channels: 1, rate: 8000, bits: 16))),
             "without a data chunk"),
            ("AU G.721", AUBuilder.file(encoding: 23, rate: 8000, channels: 1, payload: pcm16), "AU encoding 23"),
            ("AU offset", AUBuilder.file(encoding: 3, rate: 8000, channels: 1, dataOffset: 8, payload: pcm16), "data offset is 8"),
            ("AU channels", AUBuilder.file(encoding: 3, rate: 8000, channels: 0, payload: pcm16), "0 channels"),
        ]
        for (label, bytes, fragment) in cases {
            XCTAssertThrowsError(try decodeAll(bytes), label) { error in
                guard case EngineError.inputFormat(let message) = error else {
                    return XCTFail("\(label): expected .inputFormat, got \(error)")
                }
                XCTAssertTrue(message.contains(fragment), "\(label): '\(message)' lacks '\(fragment)'")
                XCTAssertFalse(message.contains("\n"), label)
                XCTAssertEqual((error as? EngineError)?.exitCode, 65)
            }
        }
    }

    func testBadRawFormatIsAUsageError() {
        let raw = RawPCMFormat(encoding: .s16LE, sampleRate: 22050, channels: 0)
        XCTAssertThrowsError(try decodeAll([0, 0], raw: raw)) { error in
            guard case EngineError.usage = error else { return XCTFail("expected .usage, got \(error)") }
        }
    }

    func testBufferSmallerThanAFrameIsAnInternalFault() throws {
        let wav = WAVBuilder.file(tag: 1, channels: 4, rate: 8000, bits: 16, payload: Array(repeating: 0, count: 16))
        let pipe = try PipeFeed(writing: wav)
        defer { pipe.finish() }
        let source = try StdinSource(fileDescriptor: pipe.readEnd, raw: rawS16Mono)
        var buffer = [Float](repeating: 0, count: 3)
        XCTAssertThrowsError(try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }) { error in
            guard case EngineError.internalFault = error else { return XCTFail("expected .internalFault, got \(error)") }
        }
    }

    // MARK: Stop requests

    func testStopRequestEndsABlockedRead() throws {
        // The writer sends a header and one sample, then keeps the pipe open: read would block forever.
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        let header = WAVBuilder.file(tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: 0, payload: Int16(8192).littleEndianBytes)
        header.withUnsafeBytes { _ = write(fds[1], $0.baseAddress, $0.count) }
        let source = try StdinSource(fileDescriptor: fds[0], raw: rawS16Mono)
        var buffer = [Float](repeating: 0, count: 64)
        XCTAssertEqual(try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }, 1)
        XCTAssertEqual(buffer[0], 0.25)

        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { StopRequest.set(signal: SIGINT) }
        let started = Date()
        XCTAssertEqual(try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        StopRequest.reset()
    }

    // MARK: Helpers

    /// Writes `bytes` into a pipe from a thread (in `writeChunk`-sized writes) and reads
    /// the source to its end with buffers of `bufferSizes()` samples.
    private func decodeAll(_ bytes: [UInt8], raw: RawPCMFormat? = nil, writeChunk: Int = 1 << 20,
                           pauseMicroseconds: UInt32 = 0, bufferSizes: () -> Int = { 4096 })
        throws -> (StdinSource, [Float])
    {
        let pipe = try PipeFeed(writing: bytes, chunk: writeChunk, pauseMicroseconds: pauseMicroseconds)
        defer { pipe.finish() }
        let source = try StdinSource(fileDescriptor: pipe.readEnd, raw: raw ?? rawS16Mono)
        var samples: [Float] = []
        while true {
            var buffer = [Float](repeating: .nan, count: bufferSizes())
            let n = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
            XCTAssertEqual(n % source.format.channels, 0, "whole frames only")
            if n == 0 { break }
            samples += buffer[0..<n]
        }
        return (source, samples)
    }
}

/// A pipe whose write end is fed by a thread, so that streams larger than the pipe's
/// capacity work; `finish` closes the read end (unblocking the writer) and joins it.
fileprivate final class PipeFeed {
    let readEnd: Int32
    private let done = DispatchSemaphore(value: 0)

    init(writing bytes: [UInt8], chunk: Int = 1 << 20, pauseMicroseconds: UInt32 = 0) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw EngineError.internalFault("pipe failed") }
        readEnd = fds[0]
        let writeEnd = fds[1]
        let done = self.done
        Thread {
            bytes.withUnsafeBytes { all in
                var offset = 0
                while offset < all.count {
                    let n = write(writeEnd, all.baseAddress! + offset, min(chunk, all.count - offset))
                    if n < 0 { if errno == EINTR { continue }; break }
                    offset += n
                    if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
                }
            }
            close(writeEnd)
            done.signal()
        }.start()
    }

    func finish() {
        close(readEnd)
        done.wait()
    }
}

/// Builds WAV files byte by byte; every field can be made to lie.
fileprivate enum WAVBuilder {
    static func chunk(_ id: String, _ body: [UInt8]) -> [UInt8] {
        Array(id.utf8) + UInt32(body.count).littleEndianBytes + body + (body.count % 2 == 1 ? [0] : [])
    }

    static func fmtBody(tag: UInt16, channels: Int, rate: Int, bits: Int, blockAlign: Int? = nil,
                        subformat: UInt16? = nil, guidTail: UInt8 = 0x71) -> [UInt8] {
        let align = blockAlign ?? channels * ((bits + 7) / 8)
        var body = tag.littleEndianBytes + UInt16(channels).littleEndianBytes + UInt32(rate).littleEndianBytes + UInt32(rate * align).littleEndianBytes
        body += UInt16(align).littleEndianBytes + UInt16(bits).littleEndianBytes
        if let subformat {
            body += UInt16(22).littleEndianBytes + UInt16(bits).littleEndianBytes + UInt32(0).littleEndianBytes + subformat.littleEndianBytes
            body += [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, guidTail]
        }
        return body
    }

    static func riff(_ chunks: [UInt8], size: UInt32? = nil) -> [UInt8] {
        Array("RIFF".utf8) + (size ?? UInt32(4 + chunks.count)).littleEndianBytes + Array("WAVE".utf8) + chunks
    }

    static func file(tag: UInt16, channels: Int, rate: Int, bits: Int, blockAlign: Int? = nil,
                     subformat: UInt16? = nil, guidTail: UInt8 = 0x71, riffSize: UInt32? = nil,
                     dataSize: UInt32? = nil, before: [UInt8] = [], between: [UInt8] = [],
                     payload: [UInt8]) -> [UInt8] {
        let fmt = chunk("fmt ", fmtBody(tag: tag, channels: channels, rate: rate, bits: bits, blockAlign: blockAlign,
                                        subformat: subformat, guidTail: guidTail))
        // The data chunk is written by hand so that its size field can lie.
        let data = Array("data".utf8) + (dataSize ?? UInt32(payload.count)).littleEndianBytes + payload
        return riff(before + fmt + between + data, size: riffSize)
    }
}

/// Builds Sun AU files: big-endian header, optional annotation.
fileprivate enum AUBuilder {
    static func file(encoding: UInt32, rate: UInt32, channels: UInt32, annotation: [UInt8] = [],
                     dataOffset: UInt32? = nil, dataSize: UInt32? = nil, payload: [UInt8]) -> [UInt8] {
        var bytes = Array(".snd".utf8)
        bytes += (dataOffset ?? UInt32(24 + annotation.count)).bigEndianBytes
        bytes += (dataSize ?? UInt32(payload.count)).bigEndianBytes
        bytes += encoding.bigEndianBytes + rate.bigEndianBytes + channels.bigEndianBytes
        return bytes + annotation + payload
    }
}

fileprivate extension FixedWidthInteger {
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
    var bigEndianBytes: [UInt8] { withUnsafeBytes(of: bigEndian) { Array($0) } }
}

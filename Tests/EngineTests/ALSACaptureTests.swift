import XCTest
import Foundation
@testable import Engine
@testable import Report

/// ALSACapture without a sound card: an ALSA `file` PCM over a `null` slave replays the
/// bytes of `infile` as captured audio, in whatever sample format was negotiated.
///
/// Found with alsa-lib 1.2.8: the null slave has no clock, so reads return at once; after
/// the infile is exhausted, readi keeps returning full periods and leaves the destination
/// untouched (stale bytes, neither silence nor an error). So these tests read exactly
/// as many samples as the file holds.
final class ALSACaptureTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        StopRequest.reset()
        directory = NSTemporaryDirectory() + "gs-alsa-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testFloatCaptureReplaysTheFileInOrder() throws {
        let expected: [Float] = (0..<5000).map { Float(sin(Double($0) * 0.05) * 0.8) }
        let capture = try openFilePCM(bytes: expected.flatMap { bytes(of: $0.bitPattern) }, preferredRate: 22050)
        XCTAssertEqual(capture.encoding, .float32LE, "FLOAT_LE is preferred when offered")
        XCTAssertEqual(capture.format, StreamFormat(sampleRate: 22050, channels: 1))
        XCTAssertEqual(capture.name, "alsa:gs_test")
        XCTAssertGreaterThanOrEqual(capture.periodFrames, 1024)
        XCTAssertLessThanOrEqual(capture.periodFrames, 4096)
        XCTAssertEqual(try readSamples(capture, count: expected.count, bufferSize: 777), expected)
        XCTAssertEqual(capture.takeDiscontinuities(), 0)
    }

    func testS16CaptureIsScaledToFullScale() throws {
        let values: [Int16] = (0..<3000).map { Int16(truncatingIfNeeded: $0 &* 997) }
        let capture = try openFilePCM(bytes: values.flatMap { bytes(of: $0) }, preferredRate: 48000, encodings: [.s16LE])
        XCTAssertEqual(capture.encoding, .s16LE)
        XCTAssertEqual(capture.format.sampleRate, 48000)
        XCTAssertEqual(try readSamples(capture, count: values.count, bufferSize: 4096), values.map { Float($0) / 32768 })
    }

    func testS32FallbackWhenFloatIsNotTried() throws {
        let values: [Int32] = [Int32.min, 1 << 30, -1, 0, 123_456_789]
        let capture = try openFilePCM(bytes: values.flatMap { bytes(of: $0) }, preferredRate: 16000,
                                      encodings: [.s32LE, .s16LE])
        XCTAssertEqual(capture.encoding, .s32LE)
        XCTAssertEqual(try readSamples(capture, count: values.count, bufferSize: 100), values.map { Float($0) / 2_147_483_648 })
    }

    func testReadingPastTheInfileDoesNotEndTheCapture() throws {
        let capture = try openFilePCM(bytes: Array(repeating: 0, count: 400), preferredRate: 22050, encodings: [.s16LE])
        var buffer = [Float](repeating: 0, count: capture.periodFrames)
        for _ in 0..<3 {
            XCTAssertGreaterThan(try buffer.withUnsafeMutableBufferPointer { try capture.read(into: $0) }, 0)
        }
    }

    func testOverrunIsRecoveredCountedAndWarnedOnce() throws {
        let values: [Int16] = (0..<4096).map { Int16($0) }
        let capture = try openFilePCM(bytes: values.flatMap { bytes(of: $0) }, preferredRate: 22050, encodings: [.s16LE])
        _ = try readSamples(capture, count: 100, bufferSize: 100)
        try capture.recover(from: -EPIPE)
        XCTAssertEqual(capture.gapCount, 1)
        XCTAssertEqual(capture.takeDiscontinuities(), 1)
        XCTAssertEqual(capture.takeDiscontinuities(), 0, "taken gaps are not reported twice")
        XCTAssertGreaterThan(try readSamples(capture, count: 100, bufferSize: 100).count, 0, "capture goes on after recovery")
        try capture.recover(from: -ESTRPIPE)
        XCTAssertEqual(capture.takeDiscontinuities(), 1)
        XCTAssertEqual(capture.gapCount, 2)
        XCTAssertNoThrow(try capture.recover(from: -EINTR))
        XCTAssertEqual(capture.takeDiscontinuities(), 0)
    }

    func testDeviceThatDisappearsIsADeviceError() throws {
        let capture = try openFilePCM(bytes: Array(repeating: 0, count: 64), preferredRate: 22050)
        for status in [ENODEV, EBADFD, EIO] {
            XCTAssertThrowsError(try capture.recover(from: -status)) { error in
                guard case EngineError.device(let message) = error else { return XCTFail("expected .device, got \(error)") }
                XCTAssertTrue(message.contains("gs_test"), message)
                XCTAssertTrue(message.contains(String(cString: strerror(status))), message)
            }
        }
    }

    func testMissingDevicesAreCleanDeviceErrors() {
        let configuration = "pcm.gs_missing_card { type hw card 99 }\n"
        for device in ["gs_missing_card", "gs_no_such_pcm"] {
            XCTAssertThrowsError(try ALSACapture(device: device, preferredRate: 22050, configuration: configuration)) { error in
                guard case EngineError.device(let message) = error else { return XCTFail("expected .device, got \(error)") }
                XCTAssertTrue(message.contains(device), message)
                XCTAssertEqual((error as? EngineError)?.exitCode, 69)
            }
        }
        // The public initializer, on the system's configuration.
        XCTAssertThrowsError(try ALSACapture(device: "gs_no_such_pcm_anywhere", preferredRate: 22050)) { error in
            guard case EngineError.device = error else { return XCTFail("expected .device, got \(error)") }
        }
    }

    func testStopRequestEndsRead() throws {
        let capture = try openFilePCM(bytes: Array(repeating: 0, count: 64), preferredRate: 22050)
        StopRequest.set(signal: SIGTERM)
        defer { StopRequest.reset() }
        var buffer = [Float](repeating: 0, count: 256)
        XCTAssertEqual(try buffer.withUnsafeMutableBufferPointer { try capture.read(into: $0) }, 0)
    }

    // MARK: Helpers

    private func openFilePCM(bytes: [UInt8], preferredRate: Int,
                             encodings: [SampleEncoding] = ALSACapture.preferredEncodings) throws -> ALSACapture {
        let infile = directory + "/capture.raw"
        XCTAssertTrue(FileManager.default.createFile(atPath: infile, contents: Data(bytes)))
        let configuration = """
            pcm.gs_test {
                type file
                slave { pcm { type null } }
                file "/dev/null"
                infile "\(infile)"
                format "raw"
            }
            """
        return try ALSACapture(device: "gs_test", preferredRate: preferredRate, configuration: configuration,
                               encodings: encodings)
    }

    private func readSamples(_ capture: ALSACapture, count: Int, bufferSize: Int) throws -> [Float] {
        var samples: [Float] = []
        var buffer = [Float](repeating: .nan, count: bufferSize)
        while samples.count < count {
            let n = try buffer.withUnsafeMutableBufferPointer { try capture.read(into: $0) }
            XCTAssertGreaterThan(n, 0)
            if n == 0 { break }
            samples += buffer[0..<min(n, count - samples.count)]
        }
        return samples
    }

    private func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

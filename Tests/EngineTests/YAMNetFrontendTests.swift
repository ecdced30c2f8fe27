import Foundation
import XCTest

@testable import Engine
@testable import Report

/// The frontend with YAMNet's settings (a 400-sample frame in a 512-point FFT,
/// magnitude, TF's HTK mel filters, ln(mel + 0.001)) against TensorFlow's own ops
/// (fixtures from scripts/make_yamnet_frontend_fixture.py, 2.5 s of a real recording
/// at 16 kHz), against itself fed in other chunk sizes, and the loader's checks of
/// the fields that describe it.
final class YAMNetFrontendTests: XCTestCase {
    /// The settings as a model file's header carries them: the fixture's `frontend` object.
    private let settings: FrontendSettings = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.path("frontend-yamnet.json")))
        let settings = try! data.withUnsafeBytes { bytes in
            let root = try JSONObject(try JSONParser.parse(bytes), path: "")
            return try FrontendSettings(json: try root.object("frontend"), version: 2)
        }
        try! settings.validate()
        return settings
    }()

    func testSettingsReadFromTheHeader() {
        XCTAssertEqual(settings.nFFT, 512)
        XCTAssertEqual(settings.winLength, 400)
        XCTAssertEqual(settings.hopLength, 160)
        XCTAssertEqual(settings.power, 1)
        XCTAssertEqual(settings.melScale, "htk_tf")
        XCTAssertEqual(settings.compression, .naturalLog(offset: 0.001))
        XCTAssertEqual(settings.framesPerWindow, 96)
        XCTAssertEqual(settings.windowHopFrames, 96, "absent: consecutive windows")
        XCTAssertEqual(settings.windowSeconds, 0.96, accuracy: 1e-12)
    }

    func testMelFilterbankEqualsTensorFlow() throws {
        let expected = try Fixtures.floats("frontend-yamnet-melfb.f32")  // [64][257]
        let bank = MelFilterbank(settings: settings)
        let dense = bank.dense().flatMap { $0 }
        XCTAssertEqual(dense.count, expected.count)
        XCTAssertEqual(dense.count, 64 * 257)
        var worst: Float = 0
        for i in 0..<min(dense.count, expected.count) {
            worst = max(worst, abs(dense[i] - expected[i]))
            XCTAssertEqual(dense[i], expected[i], accuracy: 2e-5, "filter \(i / 257) bin \(i % 257)")
        }
        // TF builds the matrix in float32, the engine in double: rounding apart (8e-6 at most here).
        XCTAssertLessThanOrEqual(worst, 2e-5)
        XCTAssertEqual(dense[0..<257].reduce(0, +) > 0, true, "band 0 has weights (125 Hz is above bin 0)")
        XCTAssertTrue((0..<64).allSatisfy { dense[$0 * 257] == 0 }, "the DC bin's weights are zero")
    }

    func testFramesEqualTensorFlowWithin1e3() throws {
        let samples = try Fixtures.floats("frontend-yamnet-input.f32")
        let expected = try Fixtures.floats("frontend-yamnet-tf.f32")  // [frames][64]
        let ours = try frontendFrames(of: samples, settings: settings, chunks: [samples.count])
        // tf.signal.stft without pad_end: 1 + (40000 - 400) / 160 frames.
        XCTAssertEqual(expected.count, 248 * 64)
        XCTAssertEqual(ours.count, expected.count, "frame count")
        var worst: Float = 0
        for i in 0..<min(ours.count, expected.count) { worst = max(worst, abs(ours[i] - expected[i])) }
        XCTAssertLessThanOrEqual(worst, 1e-3, "largest difference from TensorFlow's log-mel over \(expected.count) values")
    }

    func testRandomChunkSizesGiveBitIdenticalFrames() throws {
        let samples = try Fixtures.floats("frontend-yamnet-input.f32")
        let reference = try frontendFrames(of: samples, settings: settings, chunks: [samples.count])
        var rng = SeededRandom(seed: 7)
        for trial in 0..<3 {
            let chunks = (0..<50).map { _ in Int.random(in: 1...2000, using: &rng) }
            let chunked = try frontendFrames(of: samples, settings: settings, chunks: chunks)
            XCTAssertEqual(chunked.count, reference.count)
            XCTAssertTrue(chunked.elementsEqual(reference) { $0.bitPattern == $1.bitPattern }, "trial \(trial)")
        }
        let tiny = try frontendFrames(of: samples, settings: settings, chunks: [1, 2, 3, 159, 161, 400])
        XCTAssertTrue(tiny.elementsEqual(reference) { $0.bitPattern == $1.bitPattern })
    }

    func testAFrameIsCompleteOnceItsWinLengthSamplesArrived() throws {
        let frontend = try MelFrontend(settings: settings)
        var count = 0
        let samples = [Float](repeating: 0.1, count: 400 + 160 + 50)
        samples.withUnsafeBufferPointer { all in
            frontend.process(UnsafeBufferPointer(rebasing: all[0..<399])) { _ in count += 1 }
            XCTAssertEqual(count, 0)
            frontend.process(UnsafeBufferPointer(rebasing: all[399..<400])) { _ in count += 1 }
            XCTAssertEqual(count, 1, "400 samples, not n_fft (512), complete frame 0")
            frontend.process(UnsafeBufferPointer(rebasing: all[400...])) { _ in count += 1 }
        }
        XCTAssertEqual(count, 2)
        // Frame 2's hop (samples 320..<480) is in the input, frame 3's (480..<640) is not.
        frontend.finish { _ in count += 1 }
        XCTAssertEqual(count, 3)
    }

    // MARK: - The loader

    private func load(_ bytes: [UInt8]) throws -> ModelFile {
        try bytes.withUnsafeBytes { try ModelFile(bytes: $0, source: "test.gsm") }
    }

    /// The random-weights fixture with its `frontend` object changed by `edit`.
    private func withFrontend(_ edit: @escaping (inout [String: Any]) -> Void) throws -> [UInt8] {
        try ModelFileEditing.withHeader { h in
            var frontend = h["frontend"] as! [String: Any]
            edit(&frontend)
            h["frontend"] = frontend
        }
    }

    private func assertModelError(_ bytes: [UInt8], mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(bytes), file: file, line: line) { error in
            guard case .model(let message)? = error as? EngineError else {
                return XCTFail("expected a model error, got \(error)", file: file, line: line)
            }
            for word in words {
                XCTAssertTrue(message.contains(word), "'\(message)' should mention '\(word)'", file: file, line: line)
            }
        }
    }

    func testExistingFilesReadAsBeforeAndNewFieldsLoad() throws {
        let plain = try load(try ModelFileEditing.fixtureBytes).frontend
        XCTAssertEqual(plain.winLength, plain.nFFT)
        XCTAssertEqual(plain.windowHopFrames, plain.framesPerWindow)
        XCTAssertEqual(plain.power, 2)
        XCTAssertEqual(try load(try ModelFileEditing.fixtureV1Bytes).frontend.winLength, plain.nFFT)

        // The fixture's model (n_fft 2048, hop 1696, 128 bands, 39 frames) described the TF way.
        let edited = try load(try withFrontend { f in
            f["win_length"] = 1800
            f["power"] = 1.0
            f["mel_scale"] = "htk_tf"
            f["mel_norm"] = "none"
            f["compression"] = ["kind": "log", "offset": 0.001]
            f["window_hop_frames"] = 13
        }).frontend
        XCTAssertEqual(edited.winLength, 1800)
        XCTAssertEqual(edited.power, 1)
        XCTAssertEqual(edited.melScale, "htk_tf")
        XCTAssertEqual(edited.compression, .naturalLog(offset: 0.001))
        XCTAssertEqual(edited.windowHopFrames, 13)
    }

    func testRejectsBadValuesOfTheNewFields() throws {
        assertModelError(try withFrontend { $0["power"] = 3.0 }, mentions: ["power", "3", "expected 1"])
        assertModelError(try withFrontend { $0["win_length"] = 4096 }, mentions: ["win_length", "4096", "n_fft"])
        assertModelError(try withFrontend { $0["win_length"] = 8 }, mentions: ["win_length", "8"])
        assertModelError(try withFrontend { $0["win_length"] = 1000 }, mentions: ["hop_length", "1696", "win_length"])
        assertModelError(try withFrontend { f in
            f["win_length"] = 1800
            f["center"] = true
        }, mentions: ["win_length", "center"])
        assertModelError(try withFrontend { $0["mel_scale"] = "htk_tf" }, mentions: ["mel_norm", "slaney", "htk_tf", "expected \"none\""])
        assertModelError(try withFrontend { $0["mel_scale"] = "htk" }, mentions: ["mel_scale", "htk", "htk_tf"])
        assertModelError(try withFrontend { $0["compression"] = ["kind": "log", "offset": 0.0] }, mentions: ["offset", "> 0"])
        assertModelError(try withFrontend { $0["compression"] = ["kind": "log", "offset": -1.0] }, mentions: ["offset", "-1"])
        assertModelError(try withFrontend { $0["compression"] = ["kind": "log"] }, mentions: ["frontend.compression.offset"])
        assertModelError(try withFrontend { $0["compression"] = ["kind": "ln"] }, mentions: ["frontend.compression.kind", "ln", "\"log\""])
        assertModelError(try withFrontend { $0["window_hop_frames"] = 0 }, mentions: ["window_hop_frames", "0", "frames_per_window"])
        assertModelError(try withFrontend { $0["window_hop_frames"] = 40 }, mentions: ["window_hop_frames", "40", "(39)"])
        assertModelError(try withFrontend { $0["window_hop_frames"] = 1.5 }, mentions: ["frontend.window_hop_frames"])
    }
}

import Foundation
import XCTest

@testable import Engine

/// Device faults as the pipeline sees them, with a scripted source in place of
/// ALSA: gaps mark the window they fall in, and a device that disappears ends
/// the run with a device error after the last complete line.
final class PipelineFaultTests: XCTestCase {
    /// Mono 22050 Hz music that reports a gap or fails after given sample counts.
    private final class ScriptedSource: AudioSource {
        let format = StreamFormat(sampleRate: 22050, channels: 1)
        let name = "alsa:scripted"
        private let samples: [Float]
        private var position = 0
        private let gapAt: Int?
        private let failAt: Int?
        private var pendingGaps = 0

        init(seconds: Double, gapAt: Double? = nil, failAt: Double? = nil) {
            samples = TestAudio.music(seconds: seconds, rate: 22050)
            self.gapAt = gapAt.map { Int($0 * 22050) }
            self.failAt = failAt.map { Int($0 * 22050) }
        }

        func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
            if let failAt, position >= failAt {
                throw EngineError.device("reading from ALSA device 'scripted' failed: No such device")
            }
            var n = min(buffer.count, 1024, samples.count - position)
            if let failAt { n = min(n, failAt - position) }
            if let gapAt, position < gapAt, position + n >= gapAt { pendingGaps += 1 }
            for i in 0..<n { buffer[i] = samples[position + i] }
            position += n
            return n
        }

        func takeDiscontinuities() -> Int {
            defer { pendingGaps = 0 }
            return pendingGaps
        }
    }

    private func run(_ source: ScriptedSource) throws -> (lines: [[String: Any]], error: EngineError?) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gs-pipeline-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        let model = try ModelFile.load(path: Fixtures.path("fixture-random.gsm"))
        let formatter = LineFormatter(format: .jsonl, clock: .stream, labels: model.labels, top: 3, showSource: false)
        let pipeline = try Pipeline(network: Network(model: model), settings: PipelineSettings(hopFrames: 39),
                                    formatter: formatter, writer: LineWriter(fileDescriptor: handle.fileDescriptor))
        var failure: EngineError? = nil
        do { _ = try pipeline.run(source) } catch let error as EngineError { failure = error }
        try handle.close()
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), "the last line is complete")
        let lines = try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        return (lines, failure)
    }

    func testGapIsReportedOnTheWindowThatSpansIt() throws {
        let (lines, error) = try run(ScriptedSource(seconds: 12.1, gapAt: 4.5))
        XCTAssertNil(error)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines.map { $0["gaps"] as? Int }, [0, 1, 0, 0], "the gap at 4.5 s lies in window 1 (3-6 s)")
    }

    func testDeviceThatDisappearsEndsWithDeviceErrorAfterTheLastCompleteLine() throws {
        let (lines, error) = try run(ScriptedSource(seconds: 30, failAt: 7.0))
        XCTAssertEqual(error?.exitCode, 69)
        XCTAssertEqual(lines.count, 2, "the two windows completed before the fault are there, whole")
        XCTAssertEqual(lines.last?["window"] as? Int, 1)
    }
}

import Foundation
import XCTest

@testable import Engine
@testable import Report

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

    private func run(_ source: ScriptedSource) throws -> (results: [WindowResult], error: EngineError?) {
        let model = try ModelFile.load(path: Fixtures.path("fixture-random.gsm"))
        let pipeline = try Pipeline(model: model, settings: PipelineSettings(hopFrames: 39))
        var results: [WindowResult] = []
        var failure: EngineError? = nil
        do { try pipeline.runWindows(source) { results.append($0) } } catch let error as EngineError { failure = error }
        return (results, failure)
    }

    func testGapIsReportedOnTheWindowThatSpansIt() throws {
        let (results, error) = try run(ScriptedSource(seconds: 12.1, gapAt: 4.5))
        XCTAssertNil(error)
        XCTAssertEqual(results.count, 4)
        XCTAssertEqual(results.map(\.gaps), [0, 1, 0, 0], "the gap at 4.5 s lies in window 1 (3-6 s)")
    }

    func testDeviceThatDisappearsEndsWithDeviceErrorAfterTheLastCompleteLine() throws {
        let (results, error) = try run(ScriptedSource(seconds: 30, failAt: 7.0))
        XCTAssertEqual(error?.exitCode, 69)
        XCTAssertEqual(results.count, 2, "the two windows completed before the fault were handed out")
        XCTAssertEqual(results.last?.index, 1)
    }
}

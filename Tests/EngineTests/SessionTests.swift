import Foundation
import XCTest
@testable import Engine
@testable import Report

/// The report layer without the binary: a session over inputs, the sinks' view of a
/// run's events, and our diagnostics past the decoder's stderr mute.
final class SessionTests: XCTestCase {
    /// Writes down what a sink hears, in order.
    final class Recorder: EventSink {
        var log: [String] = []
        func startInput(source: String) throws { log.append("start \(source)") }
        func handle(_ event: StreamEvent) throws {
            switch event.kind {
            case .window(let result):
                XCTAssertEqual(event.streamSeconds, result.endSeconds, "a window is stamped with its end")
                log.append("window")
            case .notice: log.append("notice")
            case .stalled: log.append("stalled")
            case .resumed: log.append("resumed")
            case .ended(let end): log.append("ended \(end.windows)")
            }
        }
        func finishInput() throws { log.append("finish") }
    }

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A WAV file of `seconds` of the test music at 22050 Hz, the fixture model's rate.
    private func wavFile(_ name: String, seconds: Double) throws -> String {
        let samples = TestAudio.music(seconds: seconds, rate: 22050)
        var header = TestAudio.streamingWAVHeader(rate: 22050, channels: 1, bits: 16, size: UInt32(36 + 2 * samples.count))
        header.replaceSubrange(40..<44, with: TestAudio.le32(UInt32(2 * samples.count)))  // the data chunk's own size
        let path = directory.appendingPathComponent(name).path
        try Data(header + TestAudio.s16(samples)).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func pipeline() throws -> Pipeline {
        try Pipeline(model: ModelFile.load(path: Fixtures.path("fixture-random.gsm")), settings: PipelineSettings(hopFrames: 39))
    }

    func testEverySinkHearsEachInputBeginItsEventsAndItsEnd() throws {
        let first = try wavFile("a.wav", seconds: 7), second = try wavFile("b.wav", seconds: 4)
        let recorder = Recorder()
        let code = try Session(pipeline: pipeline(), sinks: [recorder]).run([.file(first), .file(second)])
        XCTAssertEqual(code, 0)
        XCTAssertEqual(recorder.log, ["start \(first)", "window", "window", "ended 2", "finish",
                                      "start \(second)", "window", "ended 1", "finish"])
    }

    /// An input that cannot be read is skipped with its exit code when others follow; it
    /// leaves no summary (its error says it all), and the next input still runs.
    func testAnUnreadableInputIsSkippedAndTheRestRun() throws {
        let good = try wavFile("good.wav", seconds: 4)
        let missing = directory.appendingPathComponent("missing.wav").path
        let recorder = Recorder()
        let summaryPath = directory.appendingPathComponent("summary.txt").path
        let summary = SummaryReport(destination: .file(try LineWriter(appendingTo: summaryPath)), json: false, atEndOfInput: true)
        let code = try Session(pipeline: pipeline(), sinks: [recorder, summary], streamName: "radio one")
            .run([.file(missing), .file(good)])
        XCTAssertEqual(code, 66)
        XCTAssertEqual(recorder.log, ["start radio one", "finish", "start radio one", "window", "ended 1", "finish"])
        let text = try String(contentsOfFile: summaryPath, encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: "summary of").count - 1, 1, "one summary, of the input that ran: \(text)")
        XCTAssertTrue(text.contains("summary of radio one"), text)
    }

    /// Window lines take their stall count and wall time from the events; a stall cuts
    /// the segment in progress, and segments tile on the events' wall times.
    func testLinesAndSegmentsReadTheEventsStamps() throws {
        func result(_ index: Int, _ label: String) -> WindowResult {
            WindowResult(source: "stdin", index: index, kind: .music, startSeconds: Double(3 * index), endSeconds: Double(3 * index + 3),
                         newSeconds: 3, label: label, confidence: 0.9, rawLabel: label, rawConfidence: 0.9, levelDBFS: -20)
        }
        let linesPath = directory.appendingPathComponent("lines.jsonl").path
        let segmentsPath = directory.appendingPathComponent("segments.jsonl").path
        let windows = try WindowLines(formatter: LineFormatter(format: .jsonl, clock: .wall, labels: ["jazz", "rock"], top: 2, showSource: false,
                                                               tagLabels: [], topTags: 1, soundLabels: [], loudness: false),
                                      writer: LineWriter(appendingTo: linesPath))
        let segments = try SegmentLines(formatter: SegmentFormatter(format: .jsonl, clock: .wall, showSource: false),
                                        writer: LineWriter(appendingTo: segmentsPath))
        let events: [StreamEvent] = [
            StreamEvent(.window(result(0, "jazz")), streamSeconds: 3, wallSeconds: 1003),
            StreamEvent(.window(result(1, "jazz")), streamSeconds: 6, wallSeconds: 1006),
            StreamEvent(.stalled(secondsWithoutAudio: 30, endsRun: false), streamSeconds: 6, wallSeconds: 1036),
            StreamEvent(.resumed(secondsStalled: 50), streamSeconds: 6, wallSeconds: 1059),
            StreamEvent(.window(result(2, "jazz")), streamSeconds: 9, wallSeconds: 1059),
            StreamEvent(.window(result(3, "rock")), streamSeconds: 12, wallSeconds: 1062.5),
            StreamEvent(.ended(InputEnd(windows: 4, seconds: 12, stoppedBySignal: false)), streamSeconds: 12, wallSeconds: 1063),
        ]
        for sink in [windows, segments] as [EventSink] {
            try sink.startInput(source: "stdin")
            for event in events { try sink.handle(event) }
            try sink.finishInput()
        }
        let lines = try String(contentsOfFile: linesPath, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.map { $0["stalls"] as? Int }, [0, 0, 1, 0])
        XCTAssertEqual(lines.map { $0["wall_time"] as? String }.last, TextFormatting.wallClock(1062.5))
        let cuts = try String(contentsOfFile: segmentsPath, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(cuts.map { $0["label"] as? String }, ["jazz", "jazz", "rock"], "the stall ends the first jazz segment")
        let starts = cuts.compactMap { $0["start_wall"] as? String }, ends = cuts.compactMap { $0["end_wall"] as? String }
        XCTAssertEqual(starts.count, 3, "\(cuts)")
        XCTAssertEqual(ends[0], TextFormatting.wallClock(1006))
        XCTAssertEqual(starts[1], TextFormatting.wallClock(1056), "after a stall a segment starts at its window's own audio")
        XCTAssertEqual(starts[2], ends[1], "segments that follow each other tile")
    }

    /// libmpg123's chatter is muted by pointing descriptor 2 at /dev/null; our own lines
    /// (a stall warning from inside the decoder's read, a SIGUSR1 summary from another
    /// thread) go through the copy of stderr made before, so the mute never loses them.
    func testOurDiagnosticsBypassTheDecoderMute() throws {
        var before = stat(), during = stat(), copy = stat(), null = stat()
        XCTAssertEqual(fstat(2, &before), 0)
        XCTAssertEqual(stat("/dev/null", &null), 0)
        try XCTSkipIf(before.st_rdev == null.st_rdev && (before.st_mode & S_IFMT) == S_IFCHR, "stderr is /dev/null already")
        StderrMute().muted {
            XCTAssertEqual(fstat(2, &during), 0)
            XCTAssertEqual(fstat(StderrCopy.descriptor, &copy), 0)
        }
        XCTAssertEqual(during.st_rdev, null.st_rdev, "descriptor 2 is muted inside")
        XCTAssertEqual(copy.st_dev, before.st_dev)
        XCTAssertEqual(copy.st_ino, before.st_ino, "our diagnostics still reach the real stderr")
    }
}

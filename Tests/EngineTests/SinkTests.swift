import Foundation
import XCTest

/// The sinks the CLI composes, through the binary: segment lines, summaries (at the
/// end of input, into a file, on SIGUSR1), the hop-rounding note and dead air.
final class SinkEndToEndTests: XCTestCase {
    private func json(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
    }

    /// The small model's window: 39 frames of 1696 samples at 22050 Hz, 2.9997 s.
    private let window = 39 * 1696, windowSeconds = Double(39 * 1696) / 22050

    /// Four windows of test music, two of digital silence, three of music: three segments.
    private var musicSilenceMusic: Data {
        let music = Array(TestAudio.music(seconds: 13, rate: 22050).prefix(4 * window))
        let silence = [Float](repeating: 0, count: 2 * window)
        return Data(TestAudio.s16(music + silence + TestAudio.music(seconds: 10, rate: 22050, seed: 2).prefix(3 * window)))
    }

    func testSegmentsReplaceWindowLinesAndTileTheStream() throws {
        let run = try Binary.run(["--segments", "--output", "jsonl", "--smooth", "off"], stdin: musicSilenceMusic)
        XCTAssertEqual(run.status, 0, run.stderr)
        let segments = try run.lines.map(json)
        XCTAssertGreaterThanOrEqual(segments.count, 3)
        XCTAssertTrue(segments.allSatisfy { $0["type"] as? String == "segment" }, run.stdout)
        let silence = try XCTUnwrap(segments.first { $0["label"] as? String == "silence" }, run.stdout)
        XCTAssertEqual(silence["start"] as! Double, 4 * windowSeconds, accuracy: 0.001)
        XCTAssertEqual(silence["end"] as! Double, 6 * windowSeconds, accuracy: 0.001)
        XCTAssertEqual(silence["windows"] as? Int, 2)
        XCTAssertTrue(silence["mean_confidence"] is NSNull)
        // Segments tile the stream: each starts where the one before ended; the last is final.
        for (a, b) in zip(segments, segments.dropFirst()) { XCTAssertEqual(a["end"] as? Double, b["start"] as? Double) }
        XCTAssertEqual(segments.first?["start"] as? Double, 0)
        XCTAssertEqual(segments.last?["end"] as! Double, 9 * windowSeconds, accuracy: 0.001)
        XCTAssertEqual(segments.map { $0["final"] as? Bool }, Array(repeating: false, count: segments.count - 1) + [true])
    }

    func testSegmentsFileKeepsTheWindowLinesOnStdout() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gs-segments-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try Binary.run(["--segments-file", path, "--output", "jsonl", "--smooth", "off"], stdin: musicSilenceMusic)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, 9, "nine window lines on stdout")
        let windows = try run.lines.map(json)
        let segments = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try json(String($0)) }
        XCTAssertEqual(segments.map { $0["windows"] as! Int }.reduce(0, +), windows.count, "every window in one segment")
        // The segments' labels are the window labels with repeats collapsed.
        var collapsed: [String] = []
        for w in windows { if collapsed.last != w["label"] as? String { collapsed.append(w["label"] as! String) } }
        XCTAssertEqual(segments.map { $0["label"] as? String }, collapsed)
    }

    func testSummaryAtTheEndOfInputInAFileAsJSON() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gs-summary-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try Binary.run(["--summary", path, "--output", "jsonl", "--smooth", "off"], stdin: musicSilenceMusic)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "", "the summary went to the file")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let summary = try json(String(lines[0]))
        XCTAssertEqual(summary["final"] as? Bool, true)
        XCTAssertEqual(summary["source"] as? String, "stdin")
        XCTAssertEqual(summary["windows"] as? Int, 9)
        XCTAssertEqual(summary["seconds"] as! Double, 9 * windowSeconds, accuracy: 0.001)
        XCTAssertEqual(summary["silence_seconds"] as! Double, 2 * windowSeconds, accuracy: 0.001)
        let labels = try XCTUnwrap(summary["labels"] as? [String: [String: Any]])
        XCTAssertEqual(labels.values.map { $0["seconds"] as! Double }.reduce(0, +), 9 * windowSeconds, accuracy: 0.003)
        XCTAssertEqual(labels.values.map { $0["windows"] as! Int }.reduce(0, +), 9)
        // The window lines say the same: time per label from stdout.
        var seconds: [String: Double] = [:]
        for w in try run.lines.map(json) { seconds[w["label"] as! String, default: 0] += windowSeconds }
        for (label, s) in seconds { XCTAssertEqual(labels[label]?["seconds"] as! Double, s, accuracy: 0.002, label) }
    }

    func testHumanSummaryOnStderrByDefault() throws {
        let run = try Binary.run(["--summary", "stderr"], stdin: musicSilenceMusic)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderrLines.first?.hasPrefix("genre-stream: info: summary of stdin: 00:00:26.998 of audio, 9 windows, 3 segments, silence 00:00:05.999") == true,
                      run.stderr)
        XCTAssertTrue(run.stderrLines.contains { $0.hasPrefix("genre-stream: info:   silence    00:00:05.999   22.2%  2 windows") },
                      run.stderr)
    }

    func testSummaryFollowsTheWarningsOfAStreamThatEndsEarly() throws {
        // A WAV whose header promises more than arrives: the stream ends early with a
        // warning; the summary comes after it and covers the windows written.
        let audio = TestAudio.s16(TestAudio.music(seconds: 7, rate: 22050))
        let header = TestAudio.streamingWAVHeader(rate: 22050, channels: 1, bits: 16, size: UInt32(audio.count + 36))
        let run = try Binary.run(["--summary", "stderr", "--output", "jsonl"], stdin: Data(header + audio))
        XCTAssertEqual(run.status, 0, run.stderr)
        let summary = try json(try XCTUnwrap(run.stderrLines.last))
        XCTAssertEqual(summary["windows"] as? Int, run.lines.count)
    }

    func testSIGUSR1WritesASummarySoFarWhileTheStreamRuns() throws {
        Binary.ignoreBrokenPipes()
        let process = Process()
        // No stall watchdog: under valgrind the idle wait below outlasts its 30 s.
        let (executable, arguments) = Binary.command(["--output", "jsonl", "--summary", "stderr", "--stall-timeout", "0"])
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe(), output = Pipe()
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("gs-usr1-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        // 9.1 s: three whole windows (the third's last frame needs 2048 - 1696 samples beyond 9 s).
        try input.fileHandleForWriting.write(contentsOf: Data(TestAudio.s16(TestAudio.music(seconds: 9.1, rate: 22050))))
        // The stream stays open and idle: the summary must come without more audio.
        Thread.sleep(forTimeInterval: 1.5 * Binary.timeScale)
        kill(process.processIdentifier, SIGUSR1)
        Thread.sleep(forTimeInterval: 0.5 * Binary.timeScale)
        let during = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let lines = String(decoding: try Data(contentsOf: errURL), as: UTF8.self).split(separator: "\n").map { try? json(String($0)) }
        XCTAssertEqual(lines.count, 2, "one summary on request, one at the end: \(during)")
        XCTAssertEqual(lines.first??["final"] as? Bool, false, during)
        XCTAssertEqual(lines.first??["windows"] as? Int, 3, "three windows so far")
        XCTAssertEqual(lines.last??["final"] as? Bool, true)
        _ = output.fileHandleForReading.readDataToEndOfFile()
    }

    func testRoundedHopIsNoted() throws {
        let audio = Data(TestAudio.s16(TestAudio.music(seconds: 4, rate: 22050)))
        // The small model's frames are 1696 / 22050 s: 1.04 s is 13.5 frames, rounded to 14.
        let run = try Binary.run(["--hop-seconds", "1.04", "--duration", "4"], stdin: audio)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderrLines, ["genre-stream: note: --hop-seconds 1.040 is rounded to 14 frames of model genre-cnn = 1.077 s"])
        let exact = try Binary.run(["--hop-seconds", "1", "--duration", "4"], stdin: audio)
        XCTAssertEqual(exact.stderr, "", "13 frames is 0.9999 s: nothing to say")
    }

    /// Dead air: a noise floor at -48 dBFS (as dithered or hissing silence is) is above
    /// the -60 dBFS silence level, but is silence; `--dead-air-db off` lets it through.
    func testDitheredDeadAirIsSilence() throws {
        var rng = SeededRandom(seed: 9)
        // Uniform noise of amplitude a has RMS a / sqrt(3): -48 dBFS for a = 0.0069.
        let noise = (0..<(9 * 22050)).map { _ in Float.random(in: -0.0069...0.0069, using: &rng) }
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(TestAudio.s16(noise)))
        XCTAssertEqual(run.status, 0, run.stderr)
        let windows = try run.lines.map(json)
        XCTAssertEqual(windows.count, 3)
        for w in windows {
            XCTAssertEqual(w["label"] as? String, "silence", "\(w)")
            XCTAssertEqual(w["level_dbfs"] as! Double, -48, accuracy: 0.5)
        }
        let off = try Binary.run(["--output", "jsonl", "--dead-air-db", "off"], stdin: Data(TestAudio.s16(noise)))
        XCTAssertTrue(try off.lines.map(json).allSatisfy { $0["label"] as? String != "silence" }, off.stdout)
    }
}

/// The stall watchdog through the binary: a pipe that stays open and sends nothing.
final class StallEndToEndTests: XCTestCase {
    private struct Live {
        let process: Process, input: Pipe, outURL: URL, errURL: URL

        var stdout: String { String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self) }
        var stderr: String { String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self) }

        func send(seconds: Double, seed: UInt64) throws {
            try input.fileHandleForWriting.write(contentsOf: Data(TestAudio.s16(TestAudio.music(seconds: seconds, rate: 22050, seed: seed))))
        }
    }

    private func start(_ arguments: [String]) throws -> Live {
        Binary.ignoreBrokenPipes()
        let process = Process()
        let (executable, full) = Binary.command(arguments)
        process.executableURL = executable
        process.arguments = full
        let tag = UUID().uuidString, directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("gs-stall-out-\(tag)"), errURL = directory.appendingPathComponent("gs-stall-err-\(tag)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        return Live(process: process, input: input, outURL: outURL, errURL: errURL)
    }

    private func cleanUp(_ live: Live) {
        try? FileManager.default.removeItem(at: live.outURL)
        try? FileManager.default.removeItem(at: live.errURL)
    }

    func testAStalledPipeIsWarnedOnceCountedAndResumes() throws {
        let live = try start(["--output", "jsonl", "--stall-timeout", "0.5", "--summary", "stderr"])
        defer { cleanUp(live) }
        try live.send(seconds: 3.1, seed: 1)
        Thread.sleep(forTimeInterval: 1.5 * Binary.timeScale)  // three stall timeouts: still one stall
        try live.send(seconds: 3.1, seed: 2)
        try live.input.fileHandleForWriting.close()
        live.process.waitUntilExit()
        XCTAssertEqual(live.process.terminationStatus, 0, live.stderr)
        let errors = live.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.filter { $0.hasPrefix("genre-stream: warning: stdin: no audio for") }.count, 1, live.stderr)
        XCTAssertEqual(errors.filter { $0.hasPrefix("genre-stream: note: stdin: audio again after") }.count, 1, live.stderr)
        XCTAssertEqual(errors.filter { $0.contains("input ended") }, [], "the summary on stderr says it: \(live.stderr)")
        let windows = try live.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(windows.map { $0["stalls"] as? Int }, [0, 1], "the window after the stall carries it")
        let summary = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(errors.last).utf8)) as? [String: Any]
        XCTAssertEqual(summary?["stalls"] as? Int, 1)
    }

    /// Bytes that come after a stall only to end the stream (a writer flushing as it exits)
    /// are its end: no "audio again", since no window follows.
    func testBytesThatOnlyEndAStalledStreamAreNotAudioAgain() throws {
        let live = try start(["--output", "jsonl", "--stall-timeout", "0.5"])
        defer { cleanUp(live) }
        try live.send(seconds: 3.1, seed: 1)
        Thread.sleep(forTimeInterval: 1.5 * Binary.timeScale)
        try live.send(seconds: 0.05, seed: 2)
        try live.input.fileHandleForWriting.close()
        live.process.waitUntilExit()
        XCTAssertEqual(live.process.terminationStatus, 0, live.stderr)
        let errors = live.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.filter { $0.hasPrefix("genre-stream: warning: stdin: no audio for") }.count, 1, live.stderr)
        XCTAssertEqual(errors.filter { $0.contains("audio again") }, [], live.stderr)
        // Without a summary on stderr, the end of a live input is said once, last.
        XCTAssertEqual(errors.filter { $0.contains("input ended") }.count, 1, live.stderr)
        XCTAssertTrue(errors.last?.hasPrefix("genre-stream: note: stdin: input ended after 3.") == true, live.stderr)
    }

    func testExitOnStallEndsWith75AfterTheLinesAndTheSummary() throws {
        let live = try start(["--output", "jsonl", "--stall-timeout", "0.5", "--exit-on-stall", "--summary", "stderr"])
        defer { cleanUp(live) }
        try live.send(seconds: 3.1, seed: 1)
        let deadline = Date().addingTimeInterval(20 * Binary.timeScale)
        while live.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(live.process.isRunning, "ended by the stall, with the pipe still open")
        live.process.terminate()
        live.process.waitUntilExit()
        try? live.input.fileHandleForWriting.close()
        XCTAssertEqual(live.process.terminationStatus, 75, live.stderr)
        XCTAssertEqual(live.stdout.split(separator: "\n").count, 1, "the window before the stall")
        let errors = live.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.count, 2, live.stderr)
        XCTAssertTrue(errors.last?.hasPrefix("genre-stream: error: input stalled: stdin: no audio for") == true, live.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(errors[0].utf8)) as? [String: Any]
        XCTAssertEqual(summary?["windows"] as? Int, 1)
        XCTAssertEqual(summary?["stalls"] as? Int, 1, "the stall that ended the run is counted")
    }

    func testRegularFileOnStdinNeverStalls() throws {
        // A regular file on stdin is never waited for: the time spent classifying between reads is not a stall.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gs-stall-\(UUID().uuidString).raw").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(TestAudio.s16(TestAudio.music(seconds: 6.1, rate: 22050)))))
        let process = Process()
        let (executable, arguments) = Binary.command(["--stall-timeout", "0.000001", "--exit-on-stall", "--output", "jsonl"])
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle(forReadingAtPath: path)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(lines.count, 2)
    }
}

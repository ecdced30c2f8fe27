import Foundation
import XCTest

/// The binary as a user runs it: the issue's "done when" cases, output formats,
/// and the exit codes the README documents.
final class EndToEndTests: XCTestCase {
    private let labels = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]

    func testPlainArecordDefaultU8At8kHzWithStreamingHeaderGivesTenLines() throws {
        let audio = TestAudio.music(seconds: 30, rate: 8000)
        let input = TestAudio.streamingWAVHeader(rate: 8000, channels: 1, bits: 8) + TestAudio.u8(audio)
        let run = try Binary.run([], stdin: Data(input))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, 10, run.stdout)
        XCTAssertTrue(run.stderr.contains("8000 Hz"), "warns that 8 kHz loses the top bands: \(run.stderr)")
        XCTAssertTrue(run.lines[0].hasPrefix("00:00:03.000  "), run.lines[0])
        XCTAssertTrue(run.lines[9].hasPrefix("00:00:29.997  "), run.lines[9])
    }

    func testRawS16AndRawFloatStereoWithArecordFlags() throws {
        let mono = TestAudio.music(seconds: 30, rate: 22050)
        var run = try Binary.run([], stdin: Data(TestAudio.s16(mono)))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, 10)

        let stereo = TestAudio.music(seconds: 30, rate: 44100, channels: 2)
        run = try Binary.run(["-f", "FLOAT_LE", "-r", "44100", "-c", "2", "-"], stdin: Data(TestAudio.f32(stereo)))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, 10)
        XCTAssertEqual(run.stderr, "", "no warning for 44.1 kHz input")
    }

    func testDemoFilesAreProcessedInOrderAndNamed() throws {
        let demo = Binary.repositoryRoot.appendingPathComponent("demo")
        let jazz = demo.appendingPathComponent("vibe_ace-kevin_macleod.ogg").path
        let classical = demo.appendingPathComponent("hungarian_dance_5-us_army_strings.ogg").path
        let run = try Binary.run(["--output", "jsonl", jazz, classical])
        XCTAssertEqual(run.status, 0, run.stderr)
        let objects = try run.lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        // 61.46 s and 45.84 s: 20 and 15 whole windows; the tails are under half a window.
        XCTAssertEqual(objects.filter { $0["source"] as? String == jazz }.count, 20)
        XCTAssertEqual(objects.filter { $0["source"] as? String == classical }.count, 15)
        XCTAssertEqual(objects.first?["source"] as? String, jazz, "files in the order given")
        for key in ["source", "window", "start", "end", "label", "raw_label", "confidence", "raw_confidence",
                    "probabilities", "level_dbfs", "partial", "gaps"] {
            XCTAssertNotNil(objects[0][key], "JSONL has \(key)")
        }
        let probabilities = objects[0]["probabilities"] as! [String: Double]
        XCTAssertEqual(Set(probabilities.keys), Set(labels))
        XCTAssertEqual(probabilities.values.reduce(0, +), 1, accuracy: 0.002)
        XCTAssertEqual(objects[1]["window"] as? Int, 1)
        XCTAssertEqual(objects[1]["start"] as! Double, 2.9997, accuracy: 0.001)
    }

    func testMP3AndFLACFilesDecodeThroughLibsndfile() throws {
        // 6.5 s of the public-domain demo clip (44.1 kHz stereo): two whole windows
        // and a 0.5-s tail, too short for a partial window.
        for name in ["hungarian_dance_6.5s.mp3", "hungarian_dance_6.5s.flac"] {
            let run = try Binary.run(["--output", "jsonl", Fixtures.path(name)])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertEqual(run.lines.count, 2, "\(name): \(run.stdout)")
        }
    }

    func testPartialWindowAtEndIsEmittedAndMarked() throws {
        let audio = TestAudio.music(seconds: 32, rate: 22050)
        let run = try Binary.run(["--output", "csv"], stdin: Data(TestAudio.s16(audio)))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, 1 + 11, "CSV header, 10 windows, 1 partial")
        let header = run.lines[0].split(separator: ",").map(String.init)
        XCTAssertEqual(header.count, 13 + labels.count)
        let last = run.lines[11].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(last[header.firstIndex(of: "partial")!], "1")
        XCTAssertEqual(run.lines[10].split(separator: ",", omittingEmptySubsequences: false)[header.firstIndex(of: "partial")!], "0")
    }

    func testOverlappingWindowsAndSmoothingOff() throws {
        let audio = TestAudio.music(seconds: 30, rate: 22050)
        let run = try Binary.run(["--hop-seconds", "1", "--smooth", "off", "--output", "jsonl"], stdin: Data(TestAudio.s16(audio)))
        XCTAssertEqual(run.status, 0, run.stderr)
        // 390 frames; windows start every 13 frames: 28 whole ones, the last ending at
        // frame 390, the end of the audio, so no partial window repeats that end.
        XCTAssertEqual(run.lines.count, 28)
        var lastEnd = -1.0
        for line in run.lines {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(o["label"] as? String, o["raw_label"] as? String, "smoothing off: smoothed = raw")
            let end = try XCTUnwrap(o["end"] as? Double)
            XCTAssertGreaterThan(end, lastEnd, "every line ends later than the one before")
            lastEnd = end
        }
        XCTAssertEqual(lastEnd, 390 * 1696 / 22050.0, accuracy: 1e-3)
    }

    func testSilenceIsLabelledAndSkipsTheModel() throws {
        let silence = [Float](repeating: 0, count: 22050 * 6)
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(TestAudio.s16(silence)))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, 2)
        let o = try JSONSerialization.jsonObject(with: Data(run.lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(o["label"] as? String, "silence")
        XCTAssertTrue(o["probabilities"] is NSNull)
    }

    func testWallClockStampsAndTopN() throws {
        let audio = TestAudio.music(seconds: 3.5, rate: 22050)
        let run = try Binary.run(["--clock", "wall", "--top", "5"], stdin: Data(TestAudio.s16(audio)))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, 1)
        let line = run.lines[0]
        XCTAssertNotNil(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  "#, options: .regularExpression), line)
        XCTAssertEqual(line.components(separatedBy: ", ").count, 5, "five genres listed: \(line)")
    }

    func testClosedStdoutEndsQuietly() throws {
        let audio = TestAudio.music(seconds: 60, rate: 22050)
        let data = Data(TestAudio.s16(audio))
        Binary.ignoreBrokenPipes()
        let script = "\"$@\" | head -n 2; echo \"status=${PIPESTATUS[0]}\" >&2"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // The summary on stderr as users have it by default: it too must not come once the reader has gone.
        let (executable, arguments) = Binary.command(["--summary", "stderr"])
        process.arguments = ["-c", script, "genre-stream", executable.path] + arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try? input.fileHandleForWriting.write(contentsOf: data)
        try input.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(out.split(separator: "\n").count, 2)
        XCTAssertEqual(err, "status=0\n", "no message, exit 0 when the reader goes away")
    }

    /// SIGINT, SIGTERM and SIGHUP all finish the line being written, print the
    /// partial window if it holds at least half a window, and exit 128 + signal.
    private func checkStop(by signal: Int32, expectedStatus: Int32) throws {
        Binary.ignoreBrokenPipes()
        let process = Process()
        // No stall watchdog: under valgrind the idle wait outlasts its 30 s, and the partial window would carry the stall.
        let (executable, arguments) = Binary.command(["--output", "jsonl", "--stall-timeout", "0"])
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // 8 s of audio, then the pipe stays open as a live stream would.
        try input.fileHandleForWriting.write(contentsOf: Data(TestAudio.s16(TestAudio.music(seconds: 8, rate: 22050))))
        Thread.sleep(forTimeInterval: 1.0 * Binary.timeScale)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, expectedStatus, "signal \(signal)")
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, "two whole windows and the 2-s tail as a partial window: \(out)")
        XCTAssertTrue(out.hasSuffix("\"partial\":true,\"gaps\":0,\"stalls\":0}\n"), "the last line is the partial window, complete")
        try? input.fileHandleForWriting.close()
    }

    func testInterruptFinishesTheLineAndExits130() throws {
        try checkStop(by: SIGINT, expectedStatus: 130)
    }

    func testTerminateFinishesTheLineAndExits143() throws {
        try checkStop(by: SIGTERM, expectedStatus: 143)
    }

    func testHangupFinishesTheLineAndExits129() throws {
        try checkStop(by: SIGHUP, expectedStatus: 129)
    }

    func testALSACaptureThroughTheFilePluginGivesTenLines() throws {
        // No sound card: an ALSA configuration whose PCM replays a file over a null
        // slave. The null slave has no clock and the file plugin never reports its
        // end, so --duration ends the capture as it would end a real one.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gs-alsa-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let infile = directory.appendingPathComponent("capture.raw")
        // The capture negotiates FLOAT_LE mono at 22050 Hz first; the null slave accepts it.
        try Data(TestAudio.f32(TestAudio.music(seconds: 31, rate: 22050))).write(to: infile)
        let config = directory.appendingPathComponent("asound.conf")
        try """
            pcm.gs_test {
                type file
                slave { pcm { type null } }
                file "/dev/null"
                infile "\(infile.path)"
                format "raw"
            }
            """.write(to: config, atomically: true, encoding: .utf8)
        let env = ["ALSA_CONFIG_PATH": config.path]
        var run = try Binary.run(["-D", "gs_test", "--duration", "30", "--output", "jsonl"], environment: env)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines.count, 10)
        let first = try JSONSerialization.jsonObject(with: Data(run.lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["source"] as? String, "alsa:gs_test")
        XCTAssertEqual(first["gaps"] as? Int, 0)

        run = try Binary.run(["-D", "no_such_pcm", "--duration", "3"], environment: env)
        XCTAssertEqual(run.status, 69)
        XCTAssertEqual(run.stderrLines.count, 1, "only our line, not alsa-lib's own: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("no_such_pcm"))
    }

    func testErrorsAreOneLineWithDocumentedExitCodes() throws {
        var run = try Binary.run(["--output", "xml"])
        XCTAssertEqual(run.status, 64, run.stderr)
        run = try Binary.run(["/nonexistent/file.wav"])
        XCTAssertEqual(run.status, 66)
        XCTAssertEqual(run.stderrLines.count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("/nonexistent/file.wav"))
        run = try Binary.run(["--model", "/nonexistent/model.gsm"], stdin: Data())
        XCTAssertEqual(run.status, 78)
        XCTAssertEqual(run.stderrLines.count, 1, run.stderr)
        run = try Binary.run([], stdin: Data(Array("RIFF".utf8) + TestAudio.le32(100) + Array("WAVEfmt ".utf8) + TestAudio.le32(16)
                                             + TestAudio.le16(0x55) + TestAudio.le16(1) + [UInt8](repeating: 0, count: 12)))
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertEqual(run.stderrLines.count, 1, run.stderr)
    }

    func testFeaturesWritesTheFramesAsNpy() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gs-features-\(getpid()).npy")
        defer { try? FileManager.default.removeItem(at: out) }
        let demo = Binary.repositoryRoot.appendingPathComponent("demo/hungarian_dance_5-us_army_strings.ogg").path
        let run = try Binary.run(["features", demo, "-o", out.path, "--model", "small"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let data = try Data(contentsOf: out)
        XCTAssertEqual(Array(data.prefix(6)), [0x93] + Array("NUMPY".utf8))
        let header = String(decoding: data[10..<Int(UInt16(data[8]) | UInt16(data[9]) << 8) + 10], as: UTF8.self)
        XCTAssertTrue(header.contains("'shape': (128, 596)"), header)
        XCTAssertEqual((data.count - 10 - header.utf8.count) / 4, 128 * 596)
    }
}

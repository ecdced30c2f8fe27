import Foundation
import XCTest

/// `--listen` as a user meets it: the binary reads a pipe the test holds open, and a
/// real HTTP client (curl) and a real browser (headless Chromium) read what it serves.
final class MonitorTests: XCTestCase {
    /// The binary running with stdin on a pipe the test writes to and closes.
    private final class LiveRun {
        let process = Process()
        let input = Pipe()
        let outURL: URL, errURL: URL

        init(_ arguments: [String]) throws {
            Binary.ignoreBrokenPipes()
            let (executable, fullArguments) = Binary.command(arguments)
            process.executableURL = executable
            process.arguments = fullArguments
            let tag = UUID().uuidString
            outURL = FileManager.default.temporaryDirectory.appendingPathComponent("gs-live-out-\(tag)")
            errURL = FileManager.default.temporaryDirectory.appendingPathComponent("gs-live-err-\(tag)")
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            process.standardInput = input
            process.standardOutput = try FileHandle(forWritingTo: outURL)
            process.standardError = try FileHandle(forWritingTo: errURL)
            try process.run()
        }

        deinit {
            if process.isRunning { process.terminate() }
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }

        var stdout: String { String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self) }
        var stderr: String { String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self) }
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }

        /// Waits for `condition`, checking every 20 ms; false after `timeout` seconds.
        func wait(_ timeout: TimeInterval, until condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout * Binary.timeScale)
            while !condition() {
                if Date() > deadline { return false }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return true
        }

        /// The page's address from the `listening on` note.
        func listeningURL() -> String? {
            var url: String?
            _ = wait(30) {
                if let range = stderr.range(of: #"listening on (http://\S+/)"#, options: .regularExpression) {
                    url = String(stderr[range].dropFirst("listening on ".count))
                }
                return url != nil || !process.isRunning
            }
            return url
        }

        func feed(_ bytes: [UInt8]) {
            try? input.fileHandleForWriting.write(contentsOf: Data(bytes))
        }

        func finish() -> Int32 {
            try? input.fileHandleForWriting.close()
            _ = wait(60) { !process.isRunning }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    private struct Fetched {
        var status: Int
        var body: String
    }

    private static func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a tool to its end and returns its stdout.
    private static func output(of tool: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gs-tool-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { process.terminate(); XCTFail("\(tool) \(arguments) did not finish within \(timeout) s") }
        process.waitUntilExit()
        return String(decoding: try Data(contentsOf: out), as: UTF8.self)
    }

    /// One request with curl; the status comes from `-w`, after the body.
    private func fetch(_ curl: String, _ url: String, _ extra: [String] = []) throws -> Fetched {
        let text = try Self.output(of: curl, ["-s", "--max-time", "10", "-w", "\n%{http_code}"] + extra + [url])
        let split = text.range(of: "\n", options: .backwards)!
        return Fetched(status: Int(text[split.upperBound...]) ?? -1, body: String(text[..<split.lowerBound]))
    }

    /// `name{labels} value` lines as a dictionary keyed by everything before the value.
    private func samples(_ exposition: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            out[String(line[..<space])] = Double(line[line.index(after: space)...])
        }
        return out
    }

    private let windowBytes = { (windows: Double) in TestAudio.s16(TestAudio.music(seconds: windows * 3 + 0.5, rate: 22050)) }

    func testMetricsAndRecentWindowsOverHTTP() throws {
        guard let curl = Self.tool("curl") else { throw XCTSkip("curl is not installed (scripts/setup.sh installs it)") }
        let run = try LiveRun(["--model", "small", "--listen", "127.0.0.1:0", "--output", "jsonl"])
        let url = try XCTUnwrap(run.listeningURL(), "no 'listening on' note: \(run.stderr)")
        XCTAssertTrue(url.hasPrefix("http://127.0.0.1:"), url)
        XCTAssertFalse(url.hasSuffix(":0/"), "the bound port, not 0: \(url)")

        // Before any audio: the page answers, no window yet.
        var metrics = try fetch(curl, url + "metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertEqual(samples(metrics.body)["genre_stream_windows_total"], 0)

        // Four windows and half a second more: four lines, the fifth window not complete.
        run.feed(windowBytes(4))
        XCTAssertTrue(run.wait(60) { run.lines.count >= 4 }, "four lines: \(run.stdout) \(run.stderr)")
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.lines[3].utf8)) as? [String: Any])
        let label = try XCTUnwrap(last["label"] as? String)

        metrics = try fetch(curl, url + "metrics")
        XCTAssertEqual(metrics.status, 200)
        let values = samples(metrics.body)
        XCTAssertEqual(values["genre_stream_windows_total"], 4, metrics.body)
        XCTAssertEqual(values["genre_stream_label{label=\"\(label)\"}"], 1, "the current label is the last line's: \(metrics.body)")
        XCTAssertEqual(values.filter { $0.key.hasPrefix("genre_stream_label{") }.values.reduce(0, +), 1, "one current label")
        XCTAssertNotNil(values["genre_stream_label{label=\"silence\"}"])
        XCTAssertEqual(values["genre_stream_audio_seconds_total"] ?? 0, 12, accuracy: 0.01)
        XCTAssertEqual(values.filter { $0.key.hasPrefix("genre_stream_label_seconds_total{") }.values.reduce(0, +), 12, accuracy: 0.01)
        XCTAssertEqual(values["genre_stream_confidence"] ?? 0, last["confidence"] as? Double ?? -1, accuracy: 0.0001)
        XCTAssertEqual(values["genre_stream_input_level_dbfs"] ?? 0, last["level_dbfs"] as? Double ?? 0, accuracy: 0.1)
        XCTAssertEqual(values["genre_stream_gaps_total"], 0)
        XCTAssertEqual(values["genre_stream_stalls_total"], 0)
        XCTAssertEqual(values["genre_stream_last_window_timestamp_seconds"] ?? 0, Date().timeIntervalSince1970, accuracy: 120)

        let recent = try fetch(curl, url + "api/recent")
        XCTAssertEqual(recent.status, 200)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(recent.body.utf8)) as? [String: Any], recent.body)
        let windows = try XCTUnwrap(object["windows"] as? [[String: Any]])
        XCTAssertEqual(windows.count, 4)
        XCTAssertEqual(windows.last?["label"] as? String, label)
        XCTAssertEqual(windows.map { $0["start"] as? Double ?? -1 }, run.lines.map {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["start"] as? Double ?? -2
        }, "oldest first, as the lines")
        XCTAssertEqual(((try JSONSerialization.jsonObject(with: Data(fetch(curl, url + "api/recent?n=1").body.utf8))
            as? [String: Any])?["windows"] as? [Any])?.count, 1)

        XCTAssertEqual(try fetch(curl, url + "nope").status, 404)
        XCTAssertEqual(try fetch(curl, url + "metrics", ["-X", "POST"]).status, 405)
        let head = try fetch(curl, url + "metrics", ["-I"])
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.lowercased().contains("content-type: text/plain; version=0.0.4"), head.body)

        XCTAssertEqual(run.finish(), 0, run.stderr)
        XCTAssertEqual(run.lines.count, 4, "the half-second tail writes no line")
    }

    /// `--name`: every sample carries the stream's name as a label (escaped as the format
    /// requires), `/api/recent` and `/api/current` name it, and so do the lines.
    func testNameLabelsEveryMetric() throws {
        guard let curl = Self.tool("curl") else { throw XCTSkip("curl is not installed (scripts/setup.sh installs it)") }
        let name = "Radio \"One\" FM"
        let run = try LiveRun(["--model", "small", "--listen", "127.0.0.1:0", "--output", "jsonl", "--summary", "stderr", "--name", name,
                               "--loudness"])
        let url = try XCTUnwrap(run.listeningURL(), "no 'listening on' note: \(run.stderr)")
        run.feed(windowBytes(2))
        XCTAssertTrue(run.wait(60) { run.lines.count >= 2 }, run.stderr)
        let body = try fetch(curl, url + "metrics").body
        let sampleLines = body.split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertGreaterThan(sampleLines.count, 15)
        for line in sampleLines {
            XCTAssertTrue(line.contains("{stream=\"Radio \\\"One\\\" FM\""), "every sample names the stream first: \(line)")
        }
        let values = samples(body)
        XCTAssertEqual(values["genre_stream_windows_total{stream=\"Radio \\\"One\\\" FM\"}"], 2, body)
        // --loudness: the newest window's readings as gauges, the same as its line's.
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.lines[1].utf8)) as? [String: Any])
        let loudness = try XCTUnwrap(last["loudness"] as? [String: Any])
        for (gauge, field) in [("loudness_momentary_lufs", "momentary_lufs"), ("loudness_short_term_lufs", "short_term_lufs"),
                               ("loudness_integrated_lufs", "integrated_lufs"), ("true_peak_dbtp", "true_peak_dbtp")] {
            let value = try XCTUnwrap(values["genre_stream_\(gauge){stream=\"Radio \\\"One\\\" FM\"}"], "\(gauge): \(body)")
            XCTAssertEqual(value, loudness[field] as? Double ?? .nan, accuracy: 0.01, gauge)
        }
        for path in ["api/recent", "api/current"] {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(fetch(curl, url + path).body.utf8)) as? [String: Any])
            XCTAssertEqual(object["name"] as? String, name, path)
        }
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(first["source"] as? String, name)
        XCTAssertEqual(run.finish(), 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("\"type\":\"summary\",\"source\":\"Radio \\\"One\\\" FM\""), "the summary: \(run.stderr)")
    }

    func testAStallShowsInTheMetricsWhileItLastsAndCPUTimesAdd() throws {
        guard let curl = Self.tool("curl") else { throw XCTSkip("curl is not installed (scripts/setup.sh installs it)") }
        let run = try LiveRun(["--model", "small", "--listen", "127.0.0.1:0", "--output", "jsonl", "--stall-timeout", "0.5"])
        let url = try XCTUnwrap(run.listeningURL(), "no 'listening on' note: \(run.stderr)")
        run.feed(windowBytes(2))
        XCTAssertTrue(run.wait(60) { run.lines.count >= 2 }, run.stderr)
        XCTAssertTrue(run.wait(30 * Binary.timeScale) { run.stderr.contains("stalled") }, "the watchdog's warning: \(run.stderr)")
        var values = samples(try fetch(curl, url + "metrics").body)
        XCTAssertEqual(values["genre_stream_stalls_total"], 1)
        XCTAssertEqual(values["genre_stream_stalled"], 1, "stalled now, before any more audio")
        XCTAssertGreaterThan(values["genre_stream_network_seconds_total"] ?? 0, 0, "the network's CPU time is counted")
        XCTAssertGreaterThan(values["genre_stream_frontend_seconds_total"] ?? 0, 0, "the frontend's CPU time is counted")
        run.feed(windowBytes(1))
        XCTAssertTrue(run.wait(60) { run.lines.count >= 3 }, run.stderr)
        values = samples(try fetch(curl, url + "metrics").body)
        XCTAssertEqual(values["genre_stream_stalls_total"], 1, "the window after the stall does not count it again")
        XCTAssertEqual(values["genre_stream_stalled"], 0)
        XCTAssertEqual(run.finish(), 0)
    }

    func testPageInHeadlessChromiumShowsTheCurrentGenre() throws {
        guard let chromium = Self.tool("chromium") ?? Self.tool("chromium-browser") ?? Self.tool("google-chrome") else {
            throw XCTSkip("chromium is not installed (scripts/setup.sh installs it)")
        }
        let run = try LiveRun(["--model", "small", "--listen", "0", "--output", "jsonl", "--name", "Radio One", "--loudness"])
        let url = try XCTUnwrap(run.listeningURL(), "no 'listening on' note: \(run.stderr)")
        run.feed(windowBytes(2))
        XCTAssertTrue(run.wait(60) { run.lines.count >= 2 }, run.stderr)
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.lines[1].utf8)) as? [String: Any])
        let label = try XCTUnwrap(last["label"] as? String)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("gs-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let dom = try Self.output(of: chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                                                 "--virtual-time-budget=5000", "--dump-dom", url], timeout: 90)
        XCTAssertTrue(dom.contains("<div id=\"genre\">\(label)</div>"), "the page shows \(label): \(dom.prefix(3000))")
        XCTAssertTrue(dom.contains("<title>Radio One · \(label)</title>"), "the stream's name in the title: \(dom.prefix(600))")
        XCTAssertTrue(dom.contains("· Radio One · genre-cnn"), "and in the header")
        XCTAssertTrue(dom.contains("LUFS short-term ·") && dom.contains("dBTP</div>"), "the loudness line: \(dom.prefix(4000))")
        XCTAssertTrue(dom.contains("data-label=\"\(label)\""), "a timeline band for \(label)")
        XCTAssertTrue(dom.contains("2 windows"), "footer counts the windows")
        XCTAssertEqual(run.finish(), 0, run.stderr)
    }

    /// During a stall the page says so first, in large type; the genre last heard is in
    /// the small line below, not shown as if it were playing.
    func testPageInHeadlessChromiumShowsAStallFirst() throws {
        guard let chromium = Self.tool("chromium") ?? Self.tool("chromium-browser") ?? Self.tool("google-chrome") else {
            throw XCTSkip("chromium is not installed (scripts/setup.sh installs it)")
        }
        let run = try LiveRun(["--model", "small", "--listen", "0", "--output", "jsonl", "--stall-timeout", "0.5"])
        let url = try XCTUnwrap(run.listeningURL(), "no 'listening on' note: \(run.stderr)")
        run.feed(windowBytes(2))
        XCTAssertTrue(run.wait(60) { run.lines.count >= 2 }, run.stderr)
        XCTAssertTrue(run.wait(30 * Binary.timeScale) { run.stderr.contains("stalled") }, "the watchdog's warning: \(run.stderr)")
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.lines[1].utf8)) as? [String: Any])
        let label = try XCTUnwrap(last["label"] as? String)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("gs-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let dom = try Self.output(of: chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                                                 "--virtual-time-budget=5000", "--dump-dom", url], timeout: 90)
        XCTAssertTrue(dom.contains("<div id=\"genre\" class=\"stalled\">stalled</div>"), "the stall in large type: \(dom.prefix(3000))")
        XCTAssertTrue(dom.contains("; last: \(label)"), "the last genre in the small line: \(dom.prefix(3000))")
        XCTAssertTrue(dom.contains("<title>genre-stream · stalled</title>"), "and in the title")
        XCTAssertEqual(run.finish(), 0, run.stderr)
    }

    func testPortInUseAndMalformedAddressFailBeforeAnyAudioIsRead() throws {
        let first = try LiveRun(["--model", "small", "--listen", "127.0.0.1:0"])
        let url = try XCTUnwrap(first.listeningURL(), first.stderr)
        let port = String(url.dropFirst("http://127.0.0.1:".count).dropLast())
        let audio = Data(windowBytes(1))
        let busy = try Binary.run(["--listen", "127.0.0.1:\(port)"], stdin: audio)
        XCTAssertEqual(busy.status, 69, busy.stderr)
        XCTAssertEqual(busy.stderrLines, ["genre-stream: error: cannot listen on 127.0.0.1:\(port): Address already in use"])
        XCTAssertEqual(busy.stdout, "", "no audio was read")
        XCTAssertEqual(first.finish(), 0)

        let malformed = try Binary.run(["--listen", "localhost:http"], stdin: audio)
        XCTAssertEqual(malformed.status, 64, malformed.stderr)
        XCTAssertTrue(malformed.stderr.contains("--listen 'localhost:http'"), malformed.stderr)
        XCTAssertEqual(malformed.stdout, "")
    }

    func testStopSignalEndsARunWaitingForAudioWithTheListenerRunning() throws {
        let run = try LiveRun(["--model", "small", "--listen", "0"])
        XCTAssertNotNil(run.listeningURL(), run.stderr)
        run.process.interrupt()
        XCTAssertTrue(run.wait(10) { !run.process.isRunning }, "SIGINT reaches the thread blocked in read(2), not the listener's")
        XCTAssertEqual(run.finish(), 130, run.stderr)
    }

    func testWithoutListenNoSocketIsOpen() throws {
        let run = try LiveRun(["--model", "small"])
        run.feed(windowBytes(1))
        XCTAssertTrue(run.wait(60) { run.lines.count >= 1 }, run.stderr)
        func sockets(_ process: String) throws -> Set<String> {
            let fds = "/proc/\(process)/fd"
            return Set(try FileManager.default.contentsOfDirectory(atPath: fds).compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: fds + "/" + $0)
            }.filter { $0.hasPrefix("socket:") })
        }
        // Foundation's Process hands the child a Unix socket of its own; what must not
        // be there is an internet socket (the inode column of /proc/net/tcp and tcp6).
        var tcp: Set<String> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for row in ((try? String(contentsOfFile: table, encoding: .utf8)) ?? "").split(separator: "\n").dropFirst() {
                let columns = row.split(separator: " ")
                if columns.count > 9 { tcp.insert("socket:[\(columns[9])]") }
            }
        }
        XCTAssertEqual(try sockets(String(run.process.processIdentifier)).intersection(tcp), [], "no TCP socket without --listen")
        XCTAssertFalse(run.stderr.contains("listening"), run.stderr)
        XCTAssertEqual(run.finish(), 0, run.stderr)
    }
}

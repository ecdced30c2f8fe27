import Engine
@testable import Report
import Foundation
import Monitor
import XCTest

/// The monitor as a library: the ring, the counters, the exposition text, the JSON
/// and the routes, without a socket.
final class MonitorStateTests: XCTestCase {
    private let labels = ["blues", "jazz", "speech"]

    private func window(_ label: String?, start: Double, confidence: Double? = 0.8, level: Double = -20,
                        gaps: Int = 0) -> WindowResult {
        WindowResult(source: "stdin", index: Int(start / 3), kind: label == "silence" ? .silence : .music,
                     startSeconds: start, endSeconds: start + 3, newSeconds: 3, label: label, confidence: confidence,
                     rawLabel: label, rawConfidence: confidence, levelDBFS: level, gaps: gaps,
                     frontendSeconds: 0.01, networkSeconds: 0.02)
    }

    func testRingKeepsTheNewestWindowsOldestFirstAndNeverGrows() {
        var ring = RecentWindows(capacity: 4)
        XCTAssertNil(ring.newest)
        for i in 0..<10 {
            ring.append(WindowRecord(wallSeconds: Double(i), startSeconds: Double(i), endSeconds: Double(i + 1),
                                     confidence: 1, levelDBFS: 0, label: 0, rawLabel: 0))
        }
        XCTAssertEqual(ring.count, 4)
        XCTAssertEqual(ring.capacity, 4)
        XCTAssertEqual(ring.newest(10).map(\.startSeconds), [6, 7, 8, 9])
        XCTAssertEqual(ring.newest(2).map(\.startSeconds), [8, 9])
        XCTAssertEqual(ring.newest(0).count, 0)
        XCTAssertEqual(ring.newest?.startSeconds, 9)
    }

    func testCapacityIsThirtyMinutesAtTheHopCapped() {
        XCTAssertEqual(LiveMonitor(labels: labels, hopSeconds: 3, model: "m").recentCapacity, 600)
        XCTAssertEqual(LiveMonitor(labels: labels, hopSeconds: 0.05, model: "m").recentCapacity, LiveMonitor.maxRecentWindows)
        XCTAssertEqual(LiveMonitor(labels: labels, hopSeconds: 3, model: "m").labels, labels + ["silence"])
    }

    func testCountersFollowTheWindowsAndStallsAreCountedOnce() {
        let monitor = LiveMonitor(labels: labels, hopSeconds: 3, model: "m")
        monitor.record(window("jazz", start: 0, gaps: 2))
        monitor.record(window("silence", start: 3, confidence: nil, level: -80))
        monitor.recordStall()
        var c = monitor.counters()
        XCTAssertTrue(c.stalled)
        XCTAssertEqual(c.stalls, 1)
        // The window after the stall ends it; the count stays.
        monitor.record(window("jazz", start: 6))
        c = monitor.counters()
        XCTAssertFalse(c.stalled)
        XCTAssertEqual(c.stalls, 1)
        monitor.record(window("jazz", start: 9))
        monitor.recordStall()
        monitor.recordResumed()
        c = monitor.counters()
        XCTAssertEqual(c.stalls, 2)
        XCTAssertFalse(c.stalled)
        XCTAssertEqual(c.windows, 4)
        XCTAssertEqual(c.gaps, 2)
        XCTAssertEqual(c.labelSeconds, [0, 9, 0, 3])
        XCTAssertEqual(c.audioSeconds, 12)
        XCTAssertEqual(c.frontendSeconds, 0.04, accuracy: 1e-12)
        XCTAssertEqual(c.networkSeconds, 0.08, accuracy: 1e-12)
    }

    func testExpositionHasHelpAndTypeForEveryFamilyAndOneCurrentLabel() {
        let monitor = LiveMonitor(labels: labels, hopSeconds: 3, model: "genre-cnn")
        var text = monitor.respond(method: "GET", target: "/metrics").body
        XCTAssertTrue(text.contains("genre_stream_confidence NaN\n"), "no window yet: \(text)")
        XCTAssertFalse(text.contains("last_window_timestamp_seconds"), "absent before the first window, so that a staleness alert does not fire at start-up: \(text)")
        monitor.record(window("blues", start: 0, confidence: 0.75, level: -12.5))
        text = monitor.respond(method: "GET", target: "/metrics").body
        let lines = text.split(separator: "\n").map(String.init)
        let samples = lines.filter { !$0.hasPrefix("#") }
        var families: Set<String> = []
        for sample in samples {
            let name = String(sample.prefix { $0 != "{" && $0 != " " })
            XCTAssertTrue(name.hasPrefix("genre_stream_"), sample)
            families.insert(name)
        }
        for family in families {
            XCTAssertTrue(lines.contains { $0.hasPrefix("# HELP \(family) ") }, "HELP for \(family)")
            XCTAssertTrue(lines.contains("# TYPE \(family) counter") || lines.contains("# TYPE \(family) gauge"), "TYPE for \(family)")
            if lines.contains("# TYPE \(family) counter") { XCTAssertTrue(family.hasSuffix("_total"), family) }
        }
        XCTAssertEqual(samples.filter { $0.hasPrefix("genre_stream_label{") && $0.hasSuffix(" 1") }, ["genre_stream_label{label=\"blues\"} 1"])
        XCTAssertEqual(samples.filter { $0.hasPrefix("genre_stream_label{") }.count, 4, "every label and silence")
        XCTAssertTrue(samples.contains("genre_stream_label_seconds_total{label=\"blues\"} 3"))
        XCTAssertTrue(samples.contains("genre_stream_confidence 0.75"))
        XCTAssertTrue(samples.contains("genre_stream_input_level_dbfs -12.5"))
        XCTAssertTrue(samples.contains("genre_stream_windows_total 1"))
        XCTAssertTrue(samples.contains("genre_stream_info{model=\"genre-cnn\",labels=\"blues,jazz,speech,silence\"} 1"))
        let stamp = Double(samples.first { $0.hasPrefix("genre_stream_last_window_timestamp_seconds ") }!.split(separator: " ")[1])!
        XCTAssertEqual(stamp, Date().timeIntervalSince1970, accuracy: 60)
    }

    func testLabelValuesAndNumbersAreSpelledAsTheFormatSays() {
        XCTAssertEqual(MetricsExposition.escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd")
        XCTAssertEqual(MetricsExposition.number(.nan), "NaN")
        XCTAssertEqual(MetricsExposition.number(-.infinity), "-Inf")
        XCTAssertEqual(MetricsExposition.number(.infinity), "+Inf")
        XCTAssertEqual(MetricsExposition.number(42), "42")
        XCTAssertEqual(MetricsExposition.number(0.5), "0.5")
        let monitor = LiveMonitor(labels: ["r\"n\\b"], hopSeconds: 3, model: "m")
        XCTAssertTrue(monitor.respond(method: "GET", target: "/metrics").body.contains("genre_stream_label{label=\"r\\\"n\\\\b\"} 0"))
    }

    func testRecentIsJSONOldestFirstWithNullsForSilence() throws {
        let monitor = LiveMonitor(labels: labels, hopSeconds: 3, model: "m")
        monitor.record(window("jazz", start: 0))
        monitor.record(window("silence", start: 3, confidence: nil, level: -.infinity))
        monitor.record(window("blues", start: 6))
        let response = monitor.respond(method: "GET", target: "/api/recent?n=2")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.contentType, "application/json")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        XCTAssertEqual(object["labels"] as? [String], labels + ["silence"])
        XCTAssertEqual(object["hop_seconds"] as? Double, 3)
        XCTAssertNotNil(object["server_time"] as? String, "the page ages windows on the server's clock")
        XCTAssertEqual(object["stalled"] as? Bool, false)
        monitor.recordStall()
        let stalled = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(monitor.respond(method: "GET", target: "/api/recent").body.utf8)) as? [String: Any])
        XCTAssertEqual(stalled["stalled"] as? Bool, true, "the page shows a stall first")
        let windows = try XCTUnwrap(object["windows"] as? [[String: Any]])
        XCTAssertEqual(windows.map { $0["label"] as? String }, ["silence", "blues"])
        XCTAssertTrue(windows[0]["confidence"] is NSNull)
        XCTAssertTrue(windows[0]["level_dbfs"] is NSNull)
        XCTAssertEqual(windows[1]["start"] as? Double, 6)
        let wall = try XCTUnwrap(windows[1]["wall_time"] as? String)
        XCTAssertNotNil(ISO8601DateFormatter().date(from: wall.replacingOccurrences(of: #"\.\d{3}"#, with: "", options: .regularExpression)), wall)
        let all = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(monitor.respond(method: "GET", target: "/api/recent").body.utf8)) as? [String: Any])
        XCTAssertEqual((all["windows"] as? [Any])?.count, 3)
        XCTAssertEqual(monitor.respond(method: "GET", target: "/api/recent?n=x").status, 400)
        let current = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(monitor.respond(method: "GET", target: "/api/current").body.utf8)) as? [String: Any])
        XCTAssertEqual((current["window"] as? [String: Any])?["label"] as? String, "blues")
    }

    func testUnknownPathsAreNotFoundAndOtherMethodsNotAllowed() {
        let monitor = LiveMonitor(labels: labels, hopSeconds: 3, model: "m")
        XCTAssertEqual(monitor.respond(method: "GET", target: "/nope").status, 404)
        XCTAssertEqual(monitor.respond(method: "POST", target: "/nope").status, 404)
        let post = monitor.respond(method: "POST", target: "/metrics")
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.headers.first?.0, "Allow")
        XCTAssertEqual(monitor.respond(method: "HEAD", target: "/").status, 200)
        let page = monitor.respond(method: "GET", target: "/?x=1")
        XCTAssertEqual(page.contentType, LivePage.contentType)
        XCTAssertFalse(page.body.contains("http://") || page.body.contains("https://") || page.body.contains("src="),
                       "the page loads nothing from elsewhere")
    }

    func testListenAddresses() throws {
        XCTAssertEqual(try ListenAddress(parsing: "8080"), ListenAddress(host: "127.0.0.1", port: 8080))
        XCTAssertEqual(try ListenAddress(parsing: "0.0.0.0:80"), ListenAddress(host: "0.0.0.0", port: 80))
        XCTAssertEqual(try ListenAddress(parsing: "localhost:0"), ListenAddress(host: "127.0.0.1", port: 0))
        let v6 = try ListenAddress(parsing: "[::]:9000")
        XCTAssertEqual(v6.host, "::")
        XCTAssertTrue(v6.isIPv6)
        XCTAssertEqual(v6.url, "http://[::]:9000/")
        for bad in ["", "host:80", "127.0.0.1:", "127.0.0.1:70000", "::1:80", "[::1]80", "1.2.3:80", "12ab", "127.0.0.1:-1"] {
            XCTAssertThrowsError(try ListenAddress(parsing: bad), bad) { error in
                XCTAssertEqual((error as? MonitorError)?.exitCode, 64, bad)
            }
        }
    }

    func testPortInUseIsUnavailable() throws {
        let first = LiveMonitor(labels: labels, hopSeconds: 3, model: "m")
        let bound = try first.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
        defer { first.stop() }
        XCTAssertNotEqual(bound.port, 0)
        let second = LiveMonitor(labels: labels, hopSeconds: 3, model: "m")
        XCTAssertThrowsError(try second.start(listen: bound)) { error in
            XCTAssertEqual((error as? MonitorError)?.exitCode, 69)
            XCTAssertTrue("\(error)".contains("in use"), "\(error)")
        }
    }
}

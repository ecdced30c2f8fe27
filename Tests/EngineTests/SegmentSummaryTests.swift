import Foundation
import XCTest

import Engine
@testable import Report

/// Segments and summaries from window results: what a monitor logs.
final class SegmentTrackerTests: XCTestCase {
    /// A result as the pipeline makes it: consecutive 3-s windows unless `newSeconds` says otherwise.
    static func result(_ index: Int, _ label: String, kind: WindowResult.Kind = .music, confidence: Double? = 0.8,
                       newSeconds: Double = 3, gaps: Int = 0) -> WindowResult {
        let end = Double(index) * newSeconds + 3
        return WindowResult(source: "stdin", index: index, kind: kind, startSeconds: end - 3, endSeconds: end,
                            newSeconds: index == 0 ? 3 : newSeconds, label: label, confidence: confidence,
                            rawLabel: label, rawConfidence: confidence, levelDBFS: -20, gaps: gaps)
    }

    private func segments(_ results: [WindowResult]) -> [Segment] {
        var tracker = SegmentTracker()
        var out: [Segment] = []
        for (i, r) in results.enumerated() { tracker.process(r, wallSeconds: 1000 + Double(i) * 3) { out.append($0) } }
        tracker.finish { out.append($0) }
        return out
    }

    func testOneSegmentPerChangeTilingTheStream() {
        let labels = ["jazz", "jazz", "silence", "rock", "rock", "rock"]
        let results = labels.enumerated().map { i, l in
            Self.result(i, l, kind: l == "silence" ? .silence : .music, confidence: l == "silence" ? nil : 0.5 + Double(i) / 10)
        }
        let s = segments(results)
        XCTAssertEqual(s.map(\.label), ["jazz", "silence", "rock"])
        XCTAssertEqual(s.map(\.startSeconds), [0, 6, 9])
        XCTAssertEqual(s.map(\.endSeconds), [6, 9, 18])
        XCTAssertEqual(s.map(\.windows), [2, 1, 3])
        XCTAssertEqual(s.map(\.index), [0, 1, 2])
        XCTAssertEqual(s[0].meanConfidence!, (0.5 + 0.6) / 2, accuracy: 1e-12)
        XCTAssertNil(s[1].meanConfidence, "silence has no confidence")
        XCTAssertEqual(s[2].meanConfidence!, (0.8 + 0.9 + 1.0) / 3, accuracy: 1e-12)
        XCTAssertEqual(s.map(\.isFinal), [false, false, true], "only the last is cut by the end of input")
        XCTAssertEqual(s[1].kind, .silence)
    }

    /// Windows that come faster than their audio (a burst after buffering: the field
    /// trial's ...:08.867Z followed by a start at ...:08.843Z) still give wall-clock
    /// segments that tile: each starts where the one before it ended.
    func testWallClockSegmentsTileWhenWindowsComeInABurst() {
        var tracker = SegmentTracker()
        var out: [Segment] = []
        let labels = ["jazz", "jazz", "rock", "rock", "blues"]
        let walls = [1000.0, 1003.0, 1003.2, 1003.4, 1006.4]  // three windows within 0.4 s
        for (i, l) in labels.enumerated() { tracker.process(Self.result(i, l), wallSeconds: walls[i]) { out.append($0) } }
        tracker.finish { out.append($0) }
        XCTAssertEqual(out.map(\.label), ["jazz", "rock", "blues"])
        for (a, b) in zip(out, out.dropFirst()) {
            XCTAssertEqual(b.startWallSeconds, a.endWallSeconds, "\(b.label) starts where \(a.label) ended")
            XCTAssertLessThanOrEqual(b.startWallSeconds, b.endWallSeconds)
        }
        XCTAssertEqual(out[0].startWallSeconds, 997, "the first starts its window's audio before its line")
    }

    /// A stall ends the segment in progress; the next window starts a new one at its own
    /// time, even with the same label, so that the stall is in no segment.
    func testAStallEndsTheSegment() {
        var tracker = SegmentTracker()
        var out: [Segment] = []
        tracker.process(Self.result(0, "jazz"), wallSeconds: 1003) { out.append($0) }
        tracker.process(Self.result(1, "jazz"), wallSeconds: 1006) { out.append($0) }
        tracker.breakSegment { out.append($0) }
        XCTAssertEqual(out.count, 1, "the segment before the stall is written at once")
        tracker.process(Self.result(2, "jazz"), wallSeconds: 1056) { out.append($0) }
        tracker.finish { out.append($0) }
        XCTAssertEqual(out.map(\.label), ["jazz", "jazz"])
        XCTAssertEqual(out.map(\.endWallSeconds), [1006, 1056])
        XCTAssertEqual(out[1].startWallSeconds, 1053, "after the stall: its own window's start, not the previous end")
        XCTAssertEqual(out.map(\.isFinal), [false, true])
    }

    /// Audio that comes in a burst after a stall (a writer catching up) starts its segment
    /// where the one before the stall ended, not before it (found feeding a pipe that paused).
    func testABurstAfterAStallDoesNotOverlapTheSegmentBefore() {
        var tracker = SegmentTracker()
        var out: [Segment] = []
        tracker.process(Self.result(0, "jazz"), wallSeconds: 1003) { out.append($0) }
        tracker.process(Self.result(1, "jazz"), wallSeconds: 1006) { out.append($0) }
        tracker.breakSegment { out.append($0) }
        tracker.process(Self.result(2, "jazz"), wallSeconds: 1007.5) { out.append($0) }
        tracker.finish { out.append($0) }
        XCTAssertEqual(out.map(\.startWallSeconds), [1000, 1006])
        XCTAssertEqual(out.map(\.endWallSeconds), [1006, 1007.5])
    }

    func testSegmentsEmittedWhenTheLabelChangesNotBefore() {
        var tracker = SegmentTracker()
        var out: [Segment] = []
        for (i, l) in ["pop", "pop", "pop"].enumerated() { tracker.process(Self.result(i, l), wallSeconds: 0) { out.append($0) } }
        XCTAssertTrue(out.isEmpty, "no line while the label holds")
        XCTAssertEqual(tracker.segmentCount, 1, "the one in progress counts")
        tracker.process(Self.result(3, "rock"), wallSeconds: 0) { out.append($0) }
        XCTAssertEqual(out.map(\.label), ["pop"])
        XCTAssertEqual(out[0].endSeconds, 9)
    }

    func testOverlappingWindowsStartSegmentsWhereTheirNewAudioBegins() {
        // Hop 1 s, window 3 s: window i ends at 3 + i; its new audio is its last second.
        let results = ["jazz", "jazz", "jazz", "blues", "blues"].enumerated().map { Self.result($0, $1, newSeconds: 1) }
        let s = segments(results)
        XCTAssertEqual(s.map(\.startSeconds), [0, 5])
        XCTAssertEqual(s.map(\.endSeconds), [5, 7])
        XCTAssertEqual(s.map(\.seconds), [5, 2])
    }

    func testSpeechBetweenSongsIsASegmentOfItsOwn() {
        let s = segments([Self.result(0, "rock"), Self.result(1, "speech", kind: .nonMusic), Self.result(2, "rock")])
        XCTAssertEqual(s.map(\.label), ["rock", "speech", "rock"])
        XCTAssertEqual(s[1].kind, .nonMusic)
    }

    func testATrackerStartsAfreshAfterFinish() {
        var tracker = SegmentTracker()
        var out: [Segment] = []
        tracker.process(Self.result(0, "pop"), wallSeconds: 0) { out.append($0) }
        tracker.finish { out.append($0) }
        tracker.process(Self.result(0, "pop"), wallSeconds: 0) { out.append($0) }
        tracker.finish { out.append($0) }
        XCTAssertEqual(out.map(\.index), [0, 0], "segment numbers restart per input")
        XCTAssertEqual(out.count, 2)
    }

    func testJSONAndCSVLines() throws {
        let s = segments([Self.result(0, "jazz"), Self.result(1, "jazz"), Self.result(2, "rock")])
        let json = SegmentFormatter(format: .jsonl, clock: .stream, showSource: false).line(for: s[0])
        let o = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        XCTAssertEqual(o["type"] as? String, "segment")
        XCTAssertEqual(o["label"] as? String, "jazz")
        XCTAssertEqual(o["kind"] as? String, "music")
        XCTAssertEqual(o["start"] as? Double, 0)
        XCTAssertEqual(o["end"] as? Double, 6)
        XCTAssertEqual(o["seconds"] as? Double, 6)
        XCTAssertEqual(o["windows"] as? Int, 2)
        XCTAssertEqual(o["mean_confidence"] as? Double, 0.8)
        XCTAssertEqual(o["final"] as? Bool, false)
        XCTAssertNil(o["start_wall"], "wall times only with --clock wall")
        let wall = SegmentFormatter(format: .jsonl, clock: .wall, showSource: false).line(for: s[0])
        let w = try JSONSerialization.jsonObject(with: Data(wall.utf8)) as! [String: Any]
        XCTAssertEqual(w["start_wall"] as? String, "1970-01-01T00:16:37.000Z", "first window computed at 1000 s, 3 s of new audio")
        XCTAssertEqual(w["end_wall"] as? String, "1970-01-01T00:16:43.000Z")
        let csv = SegmentFormatter(format: .csv, clock: .stream, showSource: false)
        let header = csv.headerLine!.split(separator: ",").map(String.init)
        let fields = csv.line(for: s[1]).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(fields.count, header.count)
        XCTAssertEqual(fields[header.firstIndex(of: "label")!], "rock")
        XCTAssertEqual(fields[header.firstIndex(of: "final")!], "1")
        let human = SegmentFormatter(format: .human, clock: .stream, showSource: false).line(for: s[0])
        XCTAssertEqual(human, "00:00:00.000 - 00:00:06.000  jazz       00:00:06.000  mean confidence 0.80  (2 windows)")
    }
}

final class RunSummaryTests: XCTestCase {
    private func summary(_ labels: [String], gaps: [Int: Int] = [:]) -> RunSummary {
        var s = RunSummary(source: "stdin")
        for (i, l) in labels.enumerated() {
            s.add(SegmentTrackerTests.result(i, l, kind: l == "silence" ? .silence : .music, gaps: gaps[i] ?? 0))
        }
        return s
    }

    func testTimePerLabelSharesAndSegments() {
        var s = summary(["rock", "rock", "silence", "jazz", "rock", "rock", "rock"], gaps: [3: 2])
        s.addStall()
        XCTAssertEqual(s.windows, 7)
        XCTAssertEqual(s.seconds, 21)
        XCTAssertEqual(s.segments, 4, "rock, silence, jazz, rock")
        XCTAssertEqual(s.gaps, 2)
        XCTAssertEqual(s.stalls, 1)
        XCTAssertEqual(s.silenceSeconds, 3)
        XCTAssertEqual(s.labelsByTime.map(\.label), ["rock", "silence", "jazz"], "longest first, ties in order seen")
        XCTAssertEqual(s.labelsByTime.map(\.seconds), [15, 3, 3])
        XCTAssertEqual(s.share(of: s.labelsByTime[0]), 15.0 / 21, accuracy: 1e-12)
    }

    func testTheSegmentCountAgreesWithTheTracker() {
        let labels = ["pop", "pop", "rock", "pop", "silence", "silence", "pop", "rock", "rock"]
        var tracker = SegmentTracker()
        for (i, l) in labels.enumerated() {
            tracker.process(SegmentTrackerTests.result(i, l, kind: l == "silence" ? .silence : .music), wallSeconds: 0) { _ in }
        }
        XCTAssertEqual(summary(labels).segments, tracker.segmentCount)
    }

    func testJSONSummaryIsOneObjectForJq() throws {
        var s = summary(["rock", "jazz", "rock"])
        s.isFinal = true
        let lines = SummaryFormatter(json: true).lines(for: s)
        XCTAssertEqual(lines.count, 1)
        let o = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(o["type"] as? String, "summary")
        XCTAssertEqual(o["final"] as? Bool, true)
        XCTAssertEqual(o["seconds"] as? Double, 9)
        XCTAssertEqual(o["segments"] as? Int, 3)
        let rock = (o["labels"] as! [String: Any])["rock"] as! [String: Any]
        XCTAssertEqual(rock["seconds"] as? Double, 6)
        XCTAssertEqual(rock["windows"] as? Int, 2)
        XCTAssertEqual(rock["share"] as? Double, 0.6667)
    }

    func testHumanSummaryLines() {
        let lines = SummaryFormatter(json: false).lines(for: summary(["rock", "rock", "jazz"]))
        XCTAssertEqual(lines, [
            "summary of stdin so far: 00:00:09.000 of audio, 3 windows, 2 segments, silence 00:00:00.000, 0 gaps, 0 stalls",
            "  rock       00:00:06.000   66.7%  2 windows",
            "  jazz       00:00:03.000   33.3%  1 window",
        ])
    }

    func testHumanSummaryCountsInTheSingular() {
        var s = summary(["rock"], gaps: [0: 1])
        s.addStall()
        XCTAssertEqual(SummaryFormatter(json: false).lines(for: s).first,
                       "summary of stdin so far: 00:00:03.000 of audio, 1 window, 1 segment, silence 00:00:00.000, 1 gap, 1 stall")
    }
}

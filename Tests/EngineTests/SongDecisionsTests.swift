import XCTest

@testable import Engine
@testable import Report

/// The song-aware decisions on chosen sequences of window probabilities: boundaries,
/// odd windows, talk and silence resets, short songs.
final class SongDecisionsTests: XCTestCase {
    private static let genres = 4
    private let a = 0, b = 1, c = 2

    /// A window whose top genre is `genre` with probability `p`, the rest shared evenly.
    private func window(_ genre: Int, _ p: Float = 0.8) -> [Float] {
        var v = [Float](repeating: (1 - p) / Float(Self.genres - 1), count: Self.genres)
        v[genre] = p
        return v
    }

    private func feed(_ decisions: inout SongDecisions, _ windows: [[Float]]) -> [SongDecisions.Decision] {
        windows.map { w in w.withUnsafeBufferPointer { decisions.music($0) } }
    }

    private func make(changeNats: Double = SongDecisions.defaultChangeNats, talk: Double = 9) -> SongDecisions {
        SongDecisions(genres: Self.genres, settings: SongDecisions.Settings(hopSeconds: 3, changeNats: changeNats, talkResetSeconds: talk))
    }

    func testTheFirstWindowStartsASong() {
        var d = make()
        let out = feed(&d, [window(b), window(b)])
        XCTAssertEqual(out[0].songStart, .start)
        XCTAssertNil(out[1].songStart)
        XCTAssertEqual(out.map(\.label), [b, b])
        XCTAssertEqual(out[1].confidence, 0.8, accuracy: 1e-6, "the mean probability of the label over the song")
    }

    /// A new song of another genre back to back: found within two windows, its label
    /// from its own windows only, and its start placed where the evidence began to change.
    func testBackToBackSongOfAnotherGenreIsABoundary() {
        // log(0.9 / 0.0333) = 3.3 nats a window: past 6 at the second.
        var d = make(changeNats: 6)
        let out = feed(&d, Array(repeating: window(a, 0.9), count: 20) + Array(repeating: window(b, 0.9), count: 6))
        let starts = out.indices.filter { out[$0].songStart == .boundary }
        XCTAssertEqual(starts.count, 1, "\(out.map(\.songStart))")
        XCTAssertLessThanOrEqual(starts[0], 21, "found by the second window of the new song")
        XCTAssertEqual(out[starts[0]].label, b)
        XCTAssertEqual(out.last!.label, b)
        // The rebuilt song holds only the new genre's windows: its mean is theirs.
        XCTAssertEqual(out.last!.confidence, 0.9, accuracy: 1e-6)
    }

    /// Odd windows inside a song (one in four calls it something else, each time another
    /// genre) neither move the label nor start a song.
    func testOddWindowsInsideASongChangeNothing() {
        var d = make()
        var windows: [[Float]] = []
        for i in 0..<40 { windows.append(i % 4 == 3 ? window(1 + (i / 4) % 3, 0.9) : window(a, 0.7)) }
        let out = feed(&d, windows)
        XCTAssertEqual(out.dropFirst().filter { $0.songStart != nil }.count, 0)
        XCTAssertEqual(Set(out.map(\.label)), [a])
    }

    /// The same odd genre twice in a row is not yet a song at the default threshold, but
    /// a lower threshold takes it as one: the threshold is what decides.
    func testTheThresholdDecides() {
        let windows = Array(repeating: window(a), count: 10) + [window(b, 0.9), window(b, 0.9)] + Array(repeating: window(a), count: 10)
        var steady = make(changeNats: 12)
        XCTAssertEqual(feed(&steady, windows).dropFirst().filter { $0.songStart != nil }.count, 0)
        var eager = make(changeNats: 3)
        XCTAssertEqual(feed(&eager, windows).dropFirst().filter { $0.songStart == .boundary }.count, 2, "to b and back to a")
    }

    /// A short song (15 s: five windows) of another genre between two long ones shows as its own song.
    func testShortSongBetweenTwoLongOnes() {
        // log(0.8 / 0.0667) = 2.5 nats a window: past 6 at the third.
        var d = make(changeNats: 6)
        let windows = Array(repeating: window(a), count: 20) + Array(repeating: window(c), count: 5) + Array(repeating: window(a), count: 20)
        let out = feed(&d, windows)
        let boundaries = out.indices.filter { out[$0].songStart == .boundary }
        XCTAssertEqual(boundaries.count, 2, "\(boundaries)")
        XCTAssertEqual(boundaries, [22, 27])
        XCTAssertEqual(out[23].label, c)
        XCTAssertEqual(out.last!.label, a)
    }

    /// Talk at least `talkResetSeconds` long ends the song: the next one starts with no
    /// carried belief, so one window of a new genre labels it. Shorter talk carries it.
    func testTalkResetsTheSongAndShortTalkDoesNot() {
        var d = make(talk: 9)
        _ = feed(&d, Array(repeating: window(a, 0.95), count: 30))
        d.talk(); d.talk()  // 6 s
        let afterShort = feed(&d, [window(b, 0.6)])[0]
        XCTAssertNil(afterShort.songStart)
        XCTAssertEqual(afterShort.label, a, "6 s of talk is inside the song")
        for _ in 0..<3 { d.talk() }  // 9 s
        let afterLong = feed(&d, [window(b, 0.6)])[0]
        XCTAssertEqual(afterLong.songStart, .afterTalk)
        XCTAssertEqual(afterLong.label, b)
        XCTAssertEqual(afterLong.confidence, 0.6, accuracy: 1e-6)
    }

    /// Silence of a window ends the song; silence inside talk counts as talk.
    func testSilenceResetsAndPausesInTalkAreTalk() {
        var d = make(talk: 9)
        _ = feed(&d, Array(repeating: window(a), count: 10))
        d.silence()
        XCTAssertEqual(feed(&d, [window(b)])[0].songStart, .afterSilence)
        d.talk(); d.silence(); d.talk()
        XCTAssertEqual(feed(&d, [window(c)])[0].songStart, .afterTalk)
    }

    /// A new input starts afresh.
    func testResetStartsAfresh() {
        var d = make()
        _ = feed(&d, Array(repeating: window(a), count: 10))
        d.reset()
        let out = feed(&d, [window(b, 0.5)])[0]
        XCTAssertEqual(out.songStart, .start)
        XCTAssertEqual(out.label, b)
    }

    /// A new song of the same label still cuts a segment, which says how it started, and
    /// the summary counts segments the same way.
    func testASongStartCutsASegmentEvenWithTheSameLabel() {
        func result(_ i: Int, _ label: String, _ start: SongStart?) -> WindowResult {
            var r = WindowResult(source: "s", index: i, kind: .music, startSeconds: Double(i) * 3, endSeconds: Double(i + 1) * 3,
                                 newSeconds: 3, label: label, confidence: 0.9, rawLabel: label, rawConfidence: 0.9, levelDBFS: -20)
            r.songStart = start
            return r
        }
        let results = [result(0, "jazz", .start), result(1, "jazz", nil), result(2, "jazz", .afterTalk), result(3, "rock", nil),
                       result(4, "rock", .boundary)]
        var tracker = SegmentTracker()
        var segments: [Segment] = []
        var summary = RunSummary(source: "s")
        for r in results {
            tracker.process(r, wallSeconds: r.endSeconds) { segments.append($0) }
            summary.add(r)
        }
        tracker.finish { segments.append($0) }
        XCTAssertEqual(segments.map(\.startedBy), ["start", "after_talk", "label_change", "boundary"])
        XCTAssertEqual(segments.map(\.label), ["jazz", "jazz", "rock", "rock"])
        XCTAssertEqual(summary.segments, segments.count)
        let line = SegmentFormatter(format: .jsonl, clock: .stream, showSource: false).line(for: segments[1])
        XCTAssertTrue(line.contains("\"started_by\":\"after_talk\""), line)
    }

    // MARK: The fixed lag

    /// With later windows known, the windows where the new song's evidence began belong to
    /// it: a lagged decision labels them with the new genre and marks the song's start there.
    func testLaggedDecisionsMoveTheBoundaryBack() {
        var d = SongDecisions(genres: Self.genres, settings: SongDecisions.Settings(hopSeconds: 3, changeNats: 6), lagWindows: 3)
        let out = feed(&d, Array(repeating: window(a, 0.9), count: 20) + Array(repeating: window(b, 0.9), count: 3))
        XCTAssertEqual(out[20].label, a, "as it was decided then")
        XCTAssertEqual(out[21].songStart, .boundary)
        let lagged = (19...22).map { d.decision(forMusicWindow: $0) }
        XCTAssertEqual(lagged.map(\.label), [a, b, b, b])
        XCTAssertEqual(lagged.map(\.songStart), [nil, .boundary, nil, nil])
        XCTAssertEqual(d.decision(forMusicWindow: 0).songStart, .start)
        XCTAssertGreaterThan(lagged[0].confidence, 0.8, "the ended song as it stood")
    }

    /// Results come out in order, `lag` windows late, relabelled when they leave; the end
    /// of input hands on the rest.
    func testDecisionLagHoldsAndRelabels() throws {
        func result(_ i: Int) -> WindowResult {
            WindowResult(source: "s", index: i, kind: .music, startSeconds: Double(i) * 3, endSeconds: Double(i + 1) * 3,
                         newSeconds: 3, label: "early", confidence: 0.5, rawLabel: "x", rawConfidence: 0.5,
                         probabilities: [Float(i), 1], levelDBFS: -20)
        }
        let lag = DecisionLag(lag: 3)
        var out: [WindowResult] = []
        var relabelled: [Int] = []
        let relabel = { (r: inout WindowResult) in r.label = "late"; relabelled.append(r.index) }
        for i in 0..<5 {
            try lag.process(result(i), relabel: relabel, emit: { out.append($0) })
            XCTAssertEqual(out.count, max(0, i - 2))
        }
        try lag.finish(relabel: relabel, emit: { out.append($0) })
        XCTAssertEqual(out.map(\.index), [0, 1, 2, 3, 4])
        XCTAssertEqual(relabelled, [0, 1, 2, 3, 4])
        XCTAssertEqual(Set(out.map(\.label)), ["late"])
        XCTAssertEqual(out.map { $0.probabilities[0] }, [0, 1, 2, 3, 4], "each slot's own copy")
        var none: [WindowResult] = []
        try DecisionLag(lag: 0).process(result(7), relabel: relabel, emit: { none.append($0) })
        XCTAssertEqual(none.map(\.label), ["early"], "no lag: as decided, at once")
    }
}

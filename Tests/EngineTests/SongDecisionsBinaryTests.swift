import Foundation
import XCTest
@testable import Engine
@testable import Report

/// The song-aware decisions through the binary and the default model: the two demo
/// clips back to back (classical, then electronic jazz) as one stream. (Not named
/// *EndToEndTests: scripts/leak-check.sh runs those under valgrind, where 70 windows of
/// the fused model would take over an hour.)
final class SongDecisionsBinaryTests: XCTestCase {
    private static let joinSeconds = 45.845  // the classical clip's length

    /// The demo clips as one 44.1 kHz stereo float stream.
    private static func backToBack() throws -> Data {
        var samples: [Float] = []
        for name in ["hungarian_dance_5-us_army_strings.ogg", "vibe_ace-kevin_macleod.ogg"] {
            let source = try SoundFileSource(path: Binary.repositoryRoot.appendingPathComponent("demo/\(name)").path)
            XCTAssertEqual(source.format, StreamFormat(sampleRate: 44100, channels: 2))
            var buffer = [Float](repeating: 0, count: 8192)
            while case let n = try buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }), n > 0 {
                samples += buffer[0..<n]
            }
        }
        return samples.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    private func segments(_ extra: [String], stdin: Data) throws -> [[String: Any]] {
        let run = try Binary.run(["--model", "fusion", "-f", "FLOAT_LE", "-r", "44100", "-c", "2", "--output", "jsonl",
                                  "--segments"] + extra, stdin: stdin)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try run.lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// Classical from the start, then jazz as a new song found after the join; with a
    /// lag, the same songs, the jazz one starting earlier (the windows where its evidence
    /// began are taken back).
    func testTheJoinIsABoundaryAndTheLagMovesItBack() throws {
        let stream = try Self.backToBack()
        let now = try segments([], stdin: stream)
        let music = now.filter { ($0["kind"] as? String) == "music" }
        XCTAssertEqual(music.first?["label"] as? String, "classical", "\(now)")
        XCTAssertEqual(music.first?["started_by"] as? String, "start")
        let jazz = try XCTUnwrap(music.last, "\(now)")
        XCTAssertEqual(jazz["label"] as? String, "jazz", "\(now)")
        XCTAssertEqual(jazz["started_by"] as? String, "boundary", "\(now)")
        let start = try XCTUnwrap(jazz["start"] as? Double)
        // The jazz clip opens half classical to the model (its second window: classical
        // 0.77), so the new song is certain a few windows in.
        XCTAssertTrue((Self.joinSeconds...(Self.joinSeconds + 15)).contains(start), "\(now)")
        XCTAssertEqual(music.filter { ($0["label"] as? String) == "jazz" }.count, 1, "one jazz song: \(now)")

        let lagged = try segments(["--lag-seconds", "6"], stdin: stream)
        let laggedJazz = try XCTUnwrap(lagged.last { ($0["kind"] as? String) == "music" }, "\(lagged)")
        XCTAssertEqual(laggedJazz["label"] as? String, "jazz", "\(lagged)")
        XCTAssertEqual(laggedJazz["started_by"] as? String, "boundary", "\(lagged)")
        let laggedStart = try XCTUnwrap(laggedJazz["start"] as? Double)
        XCTAssertLessThan(laggedStart, start, "taken back by the lag: \(lagged)")
        XCTAssertGreaterThan(laggedStart, Self.joinSeconds - 3, "\(lagged)")
        XCTAssertEqual(lagged.last?["end"] as? Double, now.last?["end"] as? Double, "the lag holds lines back, never drops them")
    }
}

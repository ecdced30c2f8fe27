import Foundation
import XCTest
@testable import Engine
@testable import Report

/// What ffmpeg's own muxers write to a pipe, as a user pipes it (`ffmpeg -i URL -f FMT - |
/// genre-stream`): every container and encoding is either decoded at its true length or
/// refused with the fix, never read as raw PCM (which would give noise windows at the
/// wrong speed: the field trial's Wave64 and WavPack).
final class MuxerMatrixTests: XCTestCase {
    private static let seconds = 8.0

    private func ffmpeg() throws -> String {
        guard let path = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("ffmpeg not installed (scripts/setup.sh installs it); it writes the muxers' streams")
        }
        return path
    }

    /// `seconds` of the classical demo clip through one muxer, written to a pipe.
    private func muxed(_ ffmpeg: String, _ format: [String]) throws -> Data {
        let demo = Binary.repositoryRoot.appendingPathComponent("demo/hungarian_dance_5-us_army_strings.ogg").path
        let (bytes, status) = try toolOutput(ffmpeg, ["-nostdin", "-loglevel", "error", "-i", demo, "-t", String(Self.seconds)] + format + ["-"])
        XCTAssertEqual(status, 0, "ffmpeg \(format)")
        return Data(bytes)
    }

    func testEveryMuxerIsDecodedAtItsLengthOrRefused() throws {
        let ffmpeg = try ffmpeg()
        let decoded: [(String, [String])] = [
            ("wav u8", ["-c:a", "pcm_u8", "-f", "wav"]), ("wav s16", ["-c:a", "pcm_s16le", "-f", "wav"]),
            ("wav s24", ["-c:a", "pcm_s24le", "-f", "wav"]), ("wav s32", ["-c:a", "pcm_s32le", "-f", "wav"]),
            ("wav f32", ["-c:a", "pcm_f32le", "-f", "wav"]), ("wav f64", ["-c:a", "pcm_f64le", "-f", "wav"]),
            ("wav a-law", ["-c:a", "pcm_alaw", "-f", "wav"]), ("wav mu-law", ["-c:a", "pcm_mulaw", "-f", "wav"]),
            ("au", ["-f", "au"]), ("aiff", ["-f", "aiff"]), ("flac", ["-f", "flac"]),
            ("ogg vorbis", ["-c:a", "libvorbis", "-f", "ogg"]), ("ogg opus", ["-c:a", "libopus", "-f", "ogg"]),
            ("mp3", ["-c:a", "libmp3lame", "-f", "mp3"]), ("mp2", ["-c:a", "mp2", "-f", "mp2"]),
            ("w64", ["-f", "w64"]),
        ]
        for (label, format) in decoded {
            let run = try Binary.run(["--output", "jsonl", "--smooth", "off"], stdin: try muxed(ffmpeg, format))
            XCTAssertEqual(run.status, 0, "\(label): \(run.stderr)")
            let windows = try run.lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            // 8 s: two whole windows and a partial one of 2 s (at least half a window).
            XCTAssertEqual(windows.count, 3, "\(label): \(run.lines.count) lines, stderr \(run.stderr)")
            let end = windows.last?["end"] as? Double ?? 0
            XCTAssertEqual(end, Self.seconds, accuracy: 0.1, "\(label): the stream's time is its true length")
            // Bytes read as raw PCM sound like loud noise (-4.8 dBFS in the field trial); the clip is about -20.
            let levels = windows.compactMap { $0["level_dbfs"] as? Double }
            XCTAssertEqual(levels.count, windows.count, label)
            XCTAssertTrue(levels.allSatisfy { (-40.0 ... -10.0).contains($0) }, "\(label): levels \(levels)")
        }
        let refused: [(String, [String], String)] = [
            ("wavpack", ["-f", "wv"], "WavPack"), ("matroska", ["-c:a", "libopus", "-f", "matroska"], "Matroska/WebM"),
            ("adts", ["-c:a", "aac", "-f", "adts"], "AAC (ADTS)"),
        ]
        for (label, format, name) in refused {
            let run = try Binary.run(["--output", "jsonl"], stdin: try muxed(ffmpeg, format))
            XCTAssertEqual(run.status, 65, "\(label): \(run.stderr)")
            XCTAssertEqual(run.lines, [], "\(label): no window of noise")
            XCTAssertEqual(run.stderrLines.count, 1, run.stderr)
            XCTAssertTrue(run.stderr.contains("stdin holds \(name) audio, which genre-stream cannot decode; decode it first"), run.stderr)
        }
    }
}

import Foundation
import XCTest
@testable import Engine
@testable import Report

/// The fused default model (Weights/genre-fusion.gsm: musicnn's genre model and YAMNet
/// on one stream) through the binary, on real audio. `Binary.run` picks the small
/// model unless a test names one, so these name `fusion`, the default.
final class FusedModelTests: XCTestCase {
    static func windows(_ arguments: [String], stdin: Data? = nil) throws -> [[String: Any]] {
        let run = try Binary.run(["--model", "fusion", "--output", "jsonl", "--smooth", "off"] + arguments, stdin: stdin)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try run.lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    private func labels(_ arguments: [String], stdin: Data? = nil) throws -> [String] {
        try Self.windows(arguments, stdin: stdin).map { $0["label"] as! String }
    }

    func testTheDefaultIsTheFusion() {
        XCTAssertEqual(ModelFile.BuiltIn.standard, .fusion)
    }

    /// The bundled classical clip: classical, and no window given another genre (its
    /// fade-out may be `other`: YAMNet hears the quiet tail as silence and water).
    func testClassicalDemoIsClassical() throws {
        let demo = Binary.repositoryRoot.appendingPathComponent("demo/hungarian_dance_5-us_army_strings.ogg").path
        let got = try labels([demo])
        XCTAssertEqual(got.count, 15)
        XCTAssertGreaterThanOrEqual(got.filter { $0 == "classical" }.count, 12, "\(got)")
        XCTAssertEqual(got.filter { $0 != "classical" && !Pipeline.nonMusicLabels.contains($0) }, [], "\(got)")
    }

    /// The bundled electronic jazz clip, which musicnn alone hears as reggae: YAMNet's
    /// Jazz and Swing music carry it.
    func testJazzDemoIsJazz() throws {
        let demo = Binary.repositoryRoot.appendingPathComponent("demo/vibe_ace-kevin_macleod.ogg").path
        let got = try labels([demo])
        XCTAssertEqual(got.count, 21)
        XCTAssertGreaterThanOrEqual(got.filter { $0 == "jazz" }.count, 15, "\(got)")
    }

    func testReadSpeechIsSpeechAndSoundsLikeSpeech() throws {
        let clip = try Fixtures.requireSharedData().appendingPathComponent("demo/speech-librispeech_198-209-0000.ogg").path
        let got = try Self.windows(["--tags", clip])
        XCTAssertEqual(got.count, 5)
        for window in got {
            XCTAssertEqual(window["label"] as? String, "speech")
            let sounds = try XCTUnwrap(window["sounds"] as? [String: Double])
            XCTAssertEqual(sounds.max { $0.value < $1.value }?.key, "Speech", "\(window["end"] ?? "")")
        }
    }

    func testToneHumAndNoiseAreNotMusic() throws {
        let rate = 16000
        for (name, signal) in TestAudio.nonMusic(rate: rate) {
            let got = try labels(["-r", String(rate)], stdin: Data(TestAudio.s16(signal)))
            XCTAssertEqual(got.count, 4, name)
            XCTAssertEqual(got.filter { Pipeline.nonMusicLabels.contains($0) }.count, got.count, "\(name): \(got)")
        }
    }

    /// Human lines end with the top sounds, CSV has a column per AudioSet class.
    func testSoundTagsInHumanAndCSVLines() throws {
        let demo = Binary.repositoryRoot.appendingPathComponent("demo/vibe_ace-kevin_macleod.ogg").path
        let human = try Binary.run(["--model", "fusion", "--tags", "--duration", "3", demo])
        XCTAssertEqual(human.status, 0, human.stderr)
        XCTAssertEqual(human.lines.count, 1)
        XCTAssertTrue(human.lines[0].contains("  tags: "), human.stdout)
        XCTAssertTrue(human.lines[0].contains("  sounds: "), human.stdout)

        let csv = try Binary.run(["--model", "fusion", "--tags", "--output", "csv", "--duration", "3", demo])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertEqual(csv.lines.count, 2)
        let header = csv.lines[0]
        XCTAssertTrue(header.contains(",s_Speech,"), header)
        XCTAssertTrue(header.contains(",\"s_Child speech, kid speaking\","), "a name with a comma is quoted: \(header)")
    }

    func testModelsListsTheMembers() throws {
        let run = try Binary.run(["models"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("fusion (default): genre-fusion, format v3"), run.stdout)
        XCTAssertTrue(run.stdout.contains("MFLOP per window (2 members)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("\n  musicnn: 2797.1 MFLOP per 2.992-s window"), run.stdout)
        XCTAssertTrue(run.stdout.contains("\n  yamnet: 138.3 MFLOP per 0.960-s window every 0.96 s (3.12 per primary window); outputs tags[521]"), run.stdout)
    }
}

/// One window of the fused model with its sound tags in JSONL: short enough to run
/// under valgrind (scripts/leak-check.sh's `EndToEndTests` pattern), and it covers
/// the fusion stage, YAMNet's kernels (int8 pointwise included) and the sound-tag output.
final class FusedTagsEndToEndTests: XCTestCase {
    private var demo: String { Binary.repositoryRoot.appendingPathComponent("demo/vibe_ace-kevin_macleod.ogg").path }

    func testSoundTagsInJSONL() throws {
        let json = try FusedModelTests.windows(["--tags", "--duration", "3", demo])
        XCTAssertEqual(json.count, 1)
        let sounds = try XCTUnwrap(json.first?["sounds"] as? [String: Double])
        XCTAssertEqual(sounds.count, 521, "all of YAMNet's AudioSet classes")
        XCTAssertTrue(sounds.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertNotNil(sounds["Music"])
        XCTAssertNotNil(sounds["Child speech, kid speaking"])
        XCTAssertNotNil(json.first?["tags"] as? [String: Double], "musicnn's tags beside them")
    }
}

import Foundation
import XCTest

@testable import Engine
@testable import Report

/// Version-3 files: several networks on one stream. The loader names the member or
/// fusion field at fault; the pipeline's fused output equals the fusion computed
/// here from each member run alone on its own rate and window grid.
final class FusionTests: XCTestCase {
    /// The secondary member: a small MobileNet (ModelGraphTests.mobileNodes) on a
    /// YAMNet-like frontend at 22050 Hz, so the stream is resampled to two rates,
    /// with overlapping windows (20 frames every 10).
    static var secondaryFrontend: [String: Any] { [
        "sample_rate": 22050, "n_fft": 1024, "win_length": 800, "hop_length": 220, "window": "hann", "n_mels": 12,
        "fmin": 100.0, "fmax": 8000.0, "mel_scale": "htk_tf", "mel_norm": "none", "power": 1.0,
        "compression": ["kind": "log", "offset": 0.001], "frames_per_window": 20, "window_hop_frames": 10, "standardize": false,
    ] }

    static let tagLabels = (0..<7).map { "sound\($0)" }

    static var fusion: [String: Any] { [
        "terms": [
            ["member": "main", "output": "genre", "score": "log_probability", "weights": [1.0, 1.0, 1.0, 0.5]],
            ["member": "sounds", "output": "tags", "score": "log_group_sum", "groups": [[0, 1], [2], [], [3, 4, 5]],
             "weights": [0.7, -0.3, 0.0, 1.2]],
        ],
        "bias": [0.1, 0.0, -0.2, 0.3],
    ] }

    static func secondaryTensors() -> [String: [Float]] {
        var random = SeededRandom(seed: 33)
        var out: [String: [Float]] = [:]
        for (name, shape) in ModelGraphTests.mobileShapes { out[name] = random.floats(shape.reduce(1, *), in: -1...1) }
        return out
    }

    /// A version-3 file from member headers (name, frontend, nodes, outputs, tensor shapes, tensors).
    static func fusedBytes(members: [(String, [String: Any], [[String: Any]], [[String: Any]], [(String, [Int])], [String: [Float]])],
                           fusion: [String: Any]?) throws -> [UInt8] {
        var records: [[String: Any]] = [], data: [UInt8] = [], memberObjects: [[String: Any]] = []
        for (name, frontend, nodes, outputs, shapes, tensors) in members {
            memberObjects.append(["name": name, "frontend": frontend, "nodes": nodes, "outputs": outputs])
            for (tensor, shape) in shapes {
                data += [UInt8](repeating: 0, count: (64 - data.count % 64) % 64)
                records.append(["name": name + "/" + tensor, "shape": shape, "dtype": "f32", "offset": data.count])
                for v in tensors[tensor] ?? [Float](repeating: 0, count: shape.reduce(1, *)) {
                    data += (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) }
                }
            }
        }
        var header: [String: Any] = ["name": "fusion-test", "members": memberObjects, "tensors": records]
        if let fusion { header["fusion"] = fusion }
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        let dataStart = (16 + json.count + 63) / 64 * 64
        let body = json + [UInt8](repeating: 0, count: dataStart - 16 - json.count) + data
        let le32 = { (v: Int) in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        return Array("GSTM".utf8) + le32(3) + le32(json.count) + le32(Int(crc)) + body
    }

    static func modelBytes(fusion: [String: Any]? = FusionTests.fusion, secondaryFrontend: [String: Any] = FusionTests.secondaryFrontend,
                           secondaryShapes: [(String, [Int])] = ModelGraphTests.mobileShapes) throws -> [UInt8] {
        let tagOutputs: [[String: Any]] = [["name": "tags", "node": "tags", "labels": tagLabels], ["name": "embedding", "node": "pool"]]
        return try fusedBytes(members: [
            ("main", ModelGraphTests.frontend, ModelGraphTests.nodes, ModelGraphTests.outputs, ModelGraphTests.tensorShapes,
             ModelGraphTests.tensors(seed: 11)),
            ("sounds", secondaryFrontend, ModelGraphTests.mobileNodes, tagOutputs, secondaryShapes, secondaryTensors()),
        ], fusion: fusion)
    }

    private func load(_ bytes: [UInt8]) throws -> ModelFile {
        try bytes.withUnsafeBytes { try ModelFile(bytes: $0, source: "fused.gsm") }
    }

    private func loadError(_ bytes: [UInt8]) -> String {
        do { _ = try load(bytes); return "loaded" } catch { return "\(error)" }
    }

    /// Stereo 44.1 kHz music-like audio, read in uneven chunks.
    /// Synthetic stereo music at 44.1 kHz, read in uneven chunks.
    final class ArraySource: AudioSource {
        let format = StreamFormat(sampleRate: 44100, channels: 2)
        let name = "test"
        let samples: [Float]
        private var position = 0
        init(seconds: Double) { samples = TestAudio.music(seconds: seconds, rate: 44100, channels: 2, seed: 7) }
        func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
            let n = min(buffer.count, 2 * (700 + (position / 2) % 1300), samples.count - position) / 2 * 2
            for i in 0..<n { buffer[i] = samples[position + i] }
            position += n
            return n
        }
    }

    // MARK: loading

    func testLoadsMembersWithTheirOwnFrontendsAndGraphs() throws {
        let model = try load(try Self.modelBytes())
        XCTAssertEqual(model.version, 3)
        XCTAssertEqual(model.memberName, "main")
        XCTAssertEqual(model.frontend.sampleRate, 16000)
        XCTAssertEqual(model.labels, ["w", "x", "y", "z"])
        XCTAssertEqual(model.members.map(\.name), ["sounds"])
        XCTAssertEqual(model.members[0].frontend.windowHopFrames, 10)
        XCTAssertEqual(model.members[0].frontend.winLength, 800)
        XCTAssertEqual(model.members[0].tensors["l1.weight"], Self.secondaryTensors()["l1.weight"])
        let fusion = try XCTUnwrap(model.fusion)
        XCTAssertEqual(fusion.terms.map(\.memberName), ["main", "sounds"])
        XCTAssertEqual(fusion.terms[1].score, .logGroupSum(groups: [[0, 1], [2], [], [3, 4, 5]]))
        XCTAssertEqual(fusion.bias, [0.1, 0.0, -0.2, 0.3])
    }

    func testRejectsBadMembersAndFusionNamingTheField() throws {
        func fusion(_ change: (inout [[String: Any]]) -> Void) -> [String: Any] {
            var f = Self.fusion
            var terms = f["terms"] as! [[String: Any]]
            change(&terms)
            f["terms"] = terms
            return f
        }
        let cases: [(String, [UInt8])] = [
            ("a model with 2 members needs a \"fusion\" object", try Self.modelBytes(fusion: nil)),
            ("fusion.terms[1].member\" is \"noise\", expected one of [\"main\", \"sounds\"]",
             try Self.modelBytes(fusion: fusion { $0[1]["member"] = "noise" })),
            ("fusion.terms[1].weights\" has 3 values, expected 4 (one per genre label)",
             try Self.modelBytes(fusion: fusion { $0[1]["weights"] = [1.0, 2.0, 3.0] })),
            ("fusion.terms[1].groups[3]\" must list distinct indices in 0..<7, found [3, 9]",
             try Self.modelBytes(fusion: fusion { $0[1]["groups"] = [[0], [1], [], [3, 9]] })),
            ("fusion.terms[1].output\": member \"sounds\" has no output \"genre\"",
             try Self.modelBytes(fusion: fusion { $0[1]["output"] = "genre" })),
            ("fusion.terms[0].output\": the primary's log_probability term reads its genre output, found \"tags\"",
             try Self.modelBytes(fusion: fusion { $0[0]["output"] = "tags" })),
            ("fusion.terms[1].output\": log_probability needs an output labelled as the genre output",
             try Self.modelBytes(fusion: fusion { $0[1]["score"] = "log_probability" })),
            ("member \"sounds\" is in no term", try Self.modelBytes(fusion: fusion { $0.removeLast() })),
            ("fusion.terms[0].score\" is \"mean\"", try Self.modelBytes(fusion: fusion { $0[0]["score"] = "mean" })),
            ("member \"sounds\": frontend setting window_hop_frames 30 outside 1...frames_per_window (20)",
             try Self.modelBytes(secondaryFrontend: Self.secondaryFrontend.merging(["window_hop_frames": 30]) { $1 })),
            ("tensor sounds/l2_pw.weight has shape [18, 5, 1, 1], expected [19, 5, 1, 1]",
             try Self.modelBytes(secondaryShapes: ModelGraphTests.mobileShapes.map { $0.0 == "l2_pw.weight" ? ($0.0, [18, 5, 1, 1]) : $0 })),
        ]
        for (expected, bytes) in cases {
            let message = loadError(bytes)
            XCTAssertTrue(message.contains(expected), "\(message) should contain \(expected)")
        }
        // A member listed twice.
        let twice = try Self.fusedBytes(members: [
            ("main", ModelGraphTests.frontend, ModelGraphTests.nodes, ModelGraphTests.outputs, ModelGraphTests.tensorShapes, [:]),
            ("main", ModelGraphTests.frontend, ModelGraphTests.nodes, ModelGraphTests.outputs, ModelGraphTests.tensorShapes, [:]),
        ], fusion: nil)
        XCTAssertTrue(loadError(twice).contains("member \"main\" is listed twice"), loadError(twice))
    }

    // MARK: the stream

    /// The pipeline (one decode, two resamplers, two frontends, two window grids, the
    /// fusion stage) against the fusion computed from each member alone: the
    /// secondary's windows assigned to the primary window they end in, their log
    /// group sums averaged, weighted, added to the primary's log-probabilities.
    func testFusedOutputEqualsMembersRunAloneAndCombined() throws {
        let model = try load(try Self.modelBytes())
        let seconds = 6.4
        var results: [WindowResult] = []
        let pipeline = try Pipeline(model: model, settings: PipelineSettings(hopFrames: 20, deadAirDBFS: nil, decisions: .off, tags: true))
        XCTAssertEqual(pipeline.soundTagLabels, Self.tagLabels)
        try pipeline.runWindows(ArraySource(seconds: seconds)) { results.append($0) }

        let primary = Network(model: model), secondary = Network(model: model.members[0])
        let genre = model.output(ModelOutput.genre)!, tags = model.members[0].output(ModelOutput.tags)!
        let main = try FeatureExtractor.windows(of: ArraySource(seconds: seconds), network: primary, outputs: [genre], hopFrames: 20, withLevel: false)
        let sounds = try FeatureExtractor.windows(of: ArraySource(seconds: seconds), network: secondary, outputs: [tags], hopFrames: 10, withLevel: false)
        let spec = try XCTUnwrap(model.fusion)
        guard case let .logGroupSum(groups) = spec.terms[1].score else { return XCTFail("term 1 is not a group sum") }
        let primaryEnd = { (k: Int) in Double((k + 1) * 20 * 256) / 16000 }
        let secondaryEnd = { (j: Int) in Double((j * 10 + 20) * 220) / 22050 }
        var compared = 0
        for k in 0..<main.count where primaryEnd(k) <= secondaryEnd(sounds.count - 1) {
            let result = results[k]
            XCTAssertEqual(result.kind, .music, "window \(k)")
            let p = Array(main.values[(k * 4)..<((k + 1) * 4)])
            var score = (0..<4).map { g in spec.bias[g] + spec.terms[0].weights[g] * log(p[g] + FusionSpec.floor) }
            let members = (0..<sounds.count).filter { secondaryEnd($0) > (k == 0 ? -1 : primaryEnd(k - 1)) && secondaryEnd($0) <= primaryEnd(k) }
            XCTAssertTrue((k == 0 ? 2...2 : 3...4).contains(members.count), "window \(k) gets \(members.count) member windows")
            var meanTags = [Float](repeating: 0, count: 7)
            for g in 0..<4 where !groups[g].isEmpty {
                var sum: Float = 0
                for j in members {
                    let t = sounds.values[(j * 7)..<((j + 1) * 7)]
                    sum += log(groups[g].reduce(0) { $0 + t[t.startIndex + $1] } + FusionSpec.floor)
                }
                score[g] += spec.terms[1].weights[g] * sum / Float(members.count)
            }
            for j in members { for c in 0..<7 { meanTags[c] += sounds.values[j * 7 + c] / Float(members.count) } }
            let top = score.max()!, e = score.map { exp($0 - top) }, z = e.reduce(0, +)
            assertClose(result.probabilities, e.map { $0 / z }, relative: 1e-4, absolute: 1e-5, "window \(k)")
            assertClose(result.soundTags, meanTags, relative: 1e-4, absolute: 1e-6, "window \(k) sound tags")
            // The second member matters: the fused label differs from the primary's alone somewhere, or its probabilities do.
            XCTAssertGreaterThan(zip(result.probabilities, p).map { abs($0 - $1) }.max()!, 1e-3, "window \(k)")
            compared += 1
        }
        XCTAssertGreaterThanOrEqual(compared, 15)
    }
}

import Foundation
import XCTest

@testable import Engine
@testable import Report

/// musicnn's MSD network in the engine, against its own TensorFlow graph and its
/// librosa frontend (fixtures from scripts/make_musicnn_fixtures.py, which needs
/// TensorFlow; these tests do not).
final class MusicnnTests: XCTestCase {
    /// The shipped default: musicnn's backbone (its tags and embedding checked here) with the genre head.
    private var model: ModelFile { get throws { try ModelFile.embedded(.musicnn) } }
    /// The backbone alone, as converted: tags and embedding, no genre output.
    private var backbonePath: String { Binary.repositoryRoot.appendingPathComponent("Weights/msd-musicnn.gsm").path }

    /// Embedding within 1e-4 relative (of the vector's largest value) and tags within
    /// 1e-4 absolute, on 2 seeded and 4 real patches (musicnn's own extractor's inputs).
    func testEmbeddingAndTagsEqualTensorFlow() throws {
        let model = try model
        let network = Network(model: model)
        let inputs = try Fixtures.floats("parity-msd-musicnn-inputs.f32")
        let embeddings = try Fixtures.floats("parity-msd-musicnn-embedding.f32")
        let tags = try Fixtures.floats("parity-msd-musicnn-tags.f32")
        let k = tags.count / 50
        XCTAssertEqual(k, 6)
        XCTAssertEqual(inputs.count, k * network.inputCount)
        XCTAssertEqual(embeddings.count, k * 200)
        let embedding = try XCTUnwrap(model.output(ModelOutput.embedding)), tagOutput = try XCTUnwrap(model.output(ModelOutput.tags))
        var worstEmbedding: Float = 0, worstTag: Float = 0
        defer { print("msd-musicnn vs TensorFlow: largest embedding difference \(worstEmbedding) of its scale, largest tag difference \(worstTag)") }
        for w in 0..<k {
            Array(inputs[(w * network.inputCount)..<((w + 1) * network.inputCount)]).withUnsafeBufferPointer { network.run($0) }
            let wantEmbedding = Array(embeddings[(w * 200)..<((w + 1) * 200)])
            let scale = wantEmbedding.map(abs).max()!
            for (i, (got, want)) in zip(network.values(of: embedding), wantEmbedding).enumerated() {
                XCTAssertEqual(got, want, accuracy: 1e-4 * scale, "patch \(w) embedding \(i)")
                worstEmbedding = max(worstEmbedding, abs(got - want) / scale)
            }
            for (i, (got, want)) in zip(network.values(of: tagOutput), tags[(w * 50)..<((w + 1) * 50)]).enumerated() {
                XCTAssertEqual(got, want, accuracy: 1e-4, "patch \(w) tag \(tagOutput.labels![i])")
                worstTag = max(worstTag, abs(got - want))
            }
        }
    }

    func testModelDescribesItself() throws {
        let model = try model
        XCTAssertEqual(model.frontend.sampleRate, 16000)
        XCTAssertTrue(model.frontend.center)
        XCTAssertEqual(model.frontend.compression, .log10OnePlus(k: 10000))
        XCTAssertNil(model.frontend.standardizeEps)
        XCTAssertEqual(model.output(ModelOutput.tags)?.labels?.count, 50)
        XCTAssertEqual(model.labels, ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae",
                                      "rock", "speech", "other"])
        let backbone = try ModelFile.load(path: backbonePath)
        XCTAssertNil(backbone.output(ModelOutput.genre))
        XCTAssertEqual(backbone.parameterCount, 787_159)
        XCTAssertEqual(Double(backbone.flopsPerWindow) / 1e9, 2.797, accuracy: 0.001)
        // The head adds its weights on top of the same backbone.
        for (name, values) in backbone.tensors { XCTAssertEqual(model.tensors[name], values, name) }
        // Its five front-end convolutions run fused with their max over frequency.
        XCTAssertEqual(Network(model: model).steps.filter { $0.kind == .convMaxOverH }.count, 5)
    }

    // MARK: frontend

    private func frames(of samples: [Float], settings: FrontendSettings, chunks: [Int]) throws -> [Float] {
        try frontendFrames(of: samples, settings: settings, chunks: chunks)
    }

    /// librosa's `center=True` frames (constant padding) of the same 16 kHz samples,
    /// within 1e-3 of log10(1 + 10000 mel) wherever it is above 0.01. A stream is not
    /// padded after its end, so the engine gives the frames that need no padding there.
    func testFramesEqualLibrosaCentred() throws {
        let settings = try model.frontend
        let samples = try Fixtures.floats("frontend-musicnn-input.f32")
        let expected = try Fixtures.floats("frontend-musicnn-librosa.f32")  // [376][96]
        let ours = try frames(of: samples, settings: settings, chunks: [samples.count])
        XCTAssertEqual(ours.count, 375 * 96, "frames whose window ends inside the input")
        var compared = 0, worst: Float = 0
        for i in 0..<ours.count where expected[i] > 0.01 {
            worst = max(worst, abs(ours[i] - expected[i]))
            compared += 1
        }
        XCTAssertGreaterThan(compared, ours.count / 2)
        XCTAssertLessThanOrEqual(worst, 1e-3, "largest difference from librosa over \(compared) values above 0.01")
        print("musicnn frontend vs librosa: largest difference \(worst) over \(compared) values above 0.01")
    }

    func testCentredFramesAreBitIdenticalForAnyChunking() throws {
        let settings = try model.frontend
        let samples = try Fixtures.floats("frontend-musicnn-input.f32")
        let reference = try frames(of: samples, settings: settings, chunks: [samples.count])
        var rng = SeededRandom(seed: 9)
        for trial in 0..<3 {
            let chunks = (0..<40).map { _ in Int.random(in: 1...3000, using: &rng) }
            let chunked = try frames(of: samples, settings: settings, chunks: chunks)
            XCTAssertTrue(chunked.elementsEqual(reference) { $0.bitPattern == $1.bitPattern }, "trial \(trial)")
        }
        // A reset starts the next stream with the same leading zeros.
        let frontend = try MelFrontend(settings: settings)
        for _ in 0..<2 {
            frontend.reset()
            var first: [Float]? = nil
            samples.withUnsafeBufferPointer { all in
                var offset = 0
                while first == nil { offset += frontend.consume(UnsafeBufferPointer(rebasing: all[offset...])); if frontend.frameReady { first = frontend.frame } }
            }
            XCTAssertTrue(first!.elementsEqual(reference[0..<96]) { $0.bitPattern == $1.bitPattern })
        }
    }

    // MARK: through the binary

    /// The done-when case: the fixture's 16 kHz samples piped into
    /// `genre-stream --model msd-musicnn --output jsonl` give TensorFlow's 50 tag
    /// probabilities for the two windows, to the 4 decimals JSONL prints (1e-4).
    func testBinaryPrintsTensorFlowsTags() throws {
        let samples = try Fixtures.floats("frontend-musicnn-input.f32")
        let expected = try Fixtures.floats("parity-msd-musicnn-stream-tags.f32")
        let labels = try XCTUnwrap(try model.output(ModelOutput.tags)?.labels)
        var bytes = Data(capacity: samples.count * 4)
        for v in samples { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        // The backbone file alone (tags only, a note on stderr) and the default model with --tags.
        for arguments in [["--model", backbonePath], ["--model", "musicnn", "--tags"]] {
        let run = try Binary.run(arguments + ["--output", "jsonl", "-f", "FLOAT_LE", "-r", "16000", "-c", "1"], stdin: bytes)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr.contains("no genre output"), arguments.count == 2, run.stderr)
        let windows = try run.lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(windows.count, 2, run.stdout)
        for (w, window) in windows.prefix(2).enumerated() {
            XCTAssertEqual(window["label"] is NSNull, arguments.count == 2)
            let tags = try XCTUnwrap(window["tags"] as? [String: Double])
            XCTAssertEqual(tags.count, 50)
            for (i, label) in labels.enumerated() {
                XCTAssertEqual(try XCTUnwrap(tags[label]), Double(expected[w * 50 + i]), accuracy: 1e-4, "window \(w) tag \(label)")
            }
        }
        }
    }

    func testSmallModelPrintsTagsOnlyWhenItHasThem() throws {
        let run = try Binary.run(["--model", "small", "--tags", "-r", "16000"], stdin: Data(count: 32000 * 4))
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertTrue(run.stderr.contains("no tags output"), run.stderr)
    }
}

/// The default model through the binary on what a radio monitor meets: music gets a
/// genre, speech gets `speech`, tones and noise get `other`, and none of those feed
/// the genre belief.
final class DefaultModelTests: XCTestCase {
    private func labels(_ arguments: [String], stdin: Data? = nil) throws -> [String] {
        let run = try Binary.run(["--model", "musicnn", "--output", "jsonl", "--smooth", "off"] + arguments, stdin: stdin)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try run.lines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["label"] as! String
        }
    }

    func testClassicalDemoIsClassical() throws {
        let demo = Binary.repositoryRoot.appendingPathComponent("demo/hungarian_dance_5-us_army_strings.ogg").path
        let got = try labels([demo])
        XCTAssertEqual(got.count, 15)
        XCTAssertGreaterThanOrEqual(got.filter { $0 == "classical" }.count, 12, "\(got)")
    }

    func testReadSpeechIsSpeech() throws {
        let clip = try Fixtures.requireSharedData().appendingPathComponent("demo/speech-librispeech_198-209-0000.ogg").path
        let got = try labels([clip])
        XCTAssertEqual(got.count, 5)
        XCTAssertEqual(Set(got), ["speech"], "\(got)")
    }

    func testToneHumAndNoiseAreOther() throws {
        let rate = 16000
        for (name, signal) in TestAudio.nonMusic(rate: rate) {
            let got = try labels(["-r", String(rate)], stdin: Data(TestAudio.s16(signal)))
            XCTAssertEqual(got.count, 4, name)
            XCTAssertEqual(got.filter { Pipeline.nonMusicLabels.contains($0) }.count, got.count, "\(name): \(got)")
        }
    }
}

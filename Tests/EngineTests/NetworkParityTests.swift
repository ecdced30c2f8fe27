import Foundation
import XCTest

@testable import Engine
@testable import Report

/// The engine's probabilities equal PyTorch's for the same dB windows.
/// Fixtures: `python3 training/cnn/make_parity_fixture.py MODEL.gsm` writes
/// parity-<model>-inputs.f32 ([K, n_mels, frames] dB) and -probs.f32 ([K, labels]).
final class NetworkParityTests: XCTestCase {
    private func checkParity(model: ModelFile, stem: String) throws {
        let inputs = try Fixtures.floats("parity-\(stem)-inputs.f32")
        let expected = try Fixtures.floats("parity-\(stem)-probs.f32")
        let network = Network(model: model)
        let f = model.frontend
        let k = expected.count / network.labelCount
        XCTAssertGreaterThan(k, 0)
        XCTAssertEqual(inputs.count, k * network.inputCount)
        var standardized = [Float](repeating: 0, count: network.inputCount)
        var probabilities = [Float](repeating: 0, count: network.labelCount)
        for w in 0..<k {
            let window = Array(inputs[(w * network.inputCount)..<((w + 1) * network.inputCount)])
            gs_standardizeSwift(window, topDB: Float(f.topDB), eps: Float(f.standardizeEps!), into: &standardized)
            standardized.withUnsafeBufferPointer { x in
                probabilities.withUnsafeMutableBufferPointer { network.probabilities(for: x, into: $0) }
            }
            let want = Array(expected[(w * network.labelCount)..<((w + 1) * network.labelCount)])
            for i in 0..<network.labelCount {
                XCTAssertEqual(probabilities[i], want[i], accuracy: 1e-4, "\(stem) window \(w) label \(model.labels[i])")
            }
        }
    }

    func testFixtureModelMatchesPyTorch() throws {
        try checkParity(model: try ModelFile.load(path: Fixtures.path("fixture-random.gsm")), stem: "fixture-random")
    }

    func testShippedModelMatchesPyTorch() throws {
        let stem = "genre-cnn"
        guard FileManager.default.fileExists(atPath: Fixtures.path("parity-\(stem)-probs.f32")) else {
            throw XCTSkip("no parity fixture for the shipped model yet (training/cnn/make_parity_fixture.py Weights/genre-cnn.gsm)")
        }
        try checkParity(model: try ModelFile.embedded(.small), stem: stem)
    }
}

/// The engine's own standardisation kernel, called the way WindowAssembler calls it.
func gs_standardizeSwift(_ window: [Float], topDB: Float, eps: Float, into out: inout [Float]) {
    window.withUnsafeBufferPointer { w in
        out.withUnsafeMutableBufferPointer { o in
            CKernelsBridge.standardize(w, topDB: topDB, eps: eps, into: o)
        }
    }
}

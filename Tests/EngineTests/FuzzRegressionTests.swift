import Foundation
import XCTest

@testable import Engine
@testable import Report

/// Inputs the fuzz targets (Fuzz/, scripts/fuzz.sh) keep in their seed corpus, replayed
/// through the library: every seed, and each `regress-*` input that once crashed or
/// exhausted memory, with the error it must give now.
final class FuzzRegressionTests: XCTestCase {
    private static func corpus(_ target: String) throws -> [URL] {
        let folder = Binary.repositoryRoot.appendingPathComponent("Fuzz/corpus/\(target)")
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    private func load(_ url: URL) throws -> ModelFile {
        let bytes = [UInt8](try Data(contentsOf: url))
        return try bytes.withUnsafeBytes { try ModelFile(bytes: $0, source: url.lastPathComponent) }
    }

    private func assertModelError(_ name: String, mentions words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Binary.repositoryRoot.appendingPathComponent("Fuzz/corpus/model/\(name)")
        XCTAssertThrowsError(try load(url), file: file, line: line) { error in
            guard case .model(let message)? = error as? EngineError else {
                return XCTFail("expected a model error, got \(error)", file: file, line: line)
            }
            for word in words {
                XCTAssertTrue(message.contains(word), "'\(message)' should mention '\(word)'", file: file, line: line)
            }
        }
    }

    /// The offset is checked against the room left in the file before it is added to the
    /// data start; the sum overflowed and trapped.
    func testTensorOffsetNearIntMaxIsRejected() throws {
        try assertModelError("regress-offset-overflow.gsm", mentions: ["fc.weight", "runs past the end"])
    }

    /// The same in a version-2 file (make_seeds.py keeps the file's version when it moves the offset).
    func testTensorOffsetNearIntMaxIsRejectedV2() throws {
        try assertModelError("regress-offset-overflow-v2.gsm", mentions: ["fc.weight", "runs past the end"])
    }

    /// A 10 KB file whose one conv layer needed 840 MB for each of Network's two buffers.
    func testHugeFeatureMapIsRejected() throws {
        try assertModelError("regress-huge-feature-map.gsm", mentions: ["layer 0", "wide", "\(GraphReader.maximumNodeFloats)"])
    }

    /// The same graph as a version-2 conv2d node: rejected by the graph reader's node cap.
    func testHugeFeatureMapIsRejectedV2() throws {
        try assertModelError("regress-huge-feature-map-v2.gsm", mentions: ["node 0", "\"wide\"", "\(GraphReader.maximumNodeFloats)"])
    }

    /// The cap is inclusive: a 16-channel map of 256 x 4096 is exactly 2^24 floats.
    func testLayerCapBoundary() throws {
        let atCap = try wideConvModel(mels: 256, frames: 4096, channels: 16)
        XCTAssertNoThrow(try atCap.withUnsafeBytes { try ModelFile(bytes: $0, source: "at-cap.gsm") })
        let overCap = try wideConvModel(mels: 256, frames: 4096, channels: 17)
        XCTAssertThrowsError(try overCap.withUnsafeBytes { try ModelFile(bytes: $0, source: "over-cap.gsm") }) { error in
            XCTAssertTrue("\(error)".contains("more than \(GraphReader.maximumNodeFloats) floats"), "\(error)")
        }
    }

    /// A valid model file, zero weights: conv3x3 1 -> `channels`, global pool, dense to 2 labels.
    private func wideConvModel(mels: Int, frames: Int, channels: Int) throws -> [UInt8] {
        let shapes: [(String, [Int])] = [("wide.weight", [channels, 1, 3, 3]), ("wide.bias", [channels]),
                                         ("fc.weight", [2, channels]), ("fc.bias", [2])]
        var tensors: [[String: Any]] = [], offset = 0, end = 0
        for (name, shape) in shapes {
            tensors.append(["name": name, "shape": shape, "dtype": "f32", "offset": offset])
            end = offset + 4 * shape.reduce(1, *)
            offset = (end + 63) / 64 * 64
        }
        let header: [String: Any] = [
            "labels": ["a", "b"],
            "frontend": ["sample_rate": 22050, "n_fft": 2048, "hop_length": 512, "window": "hann", "n_mels": mels,
                         "fmin": 0.0, "fmax": 11025.0, "mel_scale": "slaney", "mel_norm": "slaney", "power": 2.0,
                         "log_floor": 1e-10, "top_db": 80.0, "frames_per_window": frames, "standardize_eps": 1e-5],
            "layers": [["op": "conv3x3", "name": "wide", "in_channels": 1, "out_channels": channels, "relu": true],
                       ["op": "global_avgpool"],
                       ["op": "dense", "name": "fc", "in_features": channels, "out_features": 2, "relu": false],
                       ["op": "softmax"]],
            "tensors": tensors,
        ]
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        let dataStart = (16 + json.count + 63) / 64 * 64
        let body = json + [UInt8](repeating: 0, count: dataStart - 16 - json.count + end)
        let le32 = { (v: Int) in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        return Array("GSTM".utf8) + le32(1) + le32(json.count) + le32(Int(crc)) + body
    }

    /// Seeds other than the regressions are valid models (version 1 and 2), and each runs:
    /// every output's values are finite, and `genre`, where the model has it, sums to 1.
    /// Version-2 seeds may have no `genre` output (tags and an embedding only), so the
    /// network is run and its outputs read with `values(of:)`, not `probabilities(for:into:)`.
    func testModelSeedsLoadAndRun() throws {
        let seeds = try Self.corpus("model").filter { url in
            !["regress-", "reject-", "overflow-"].contains { url.lastPathComponent.hasPrefix($0) }
        }
        XCTAssertGreaterThanOrEqual(seeds.count, 4)
        var versions = Set<UInt32>(), withoutGenre = 0
        for url in seeds {
            let name = url.lastPathComponent
            let model = try load(url)
            versions.insert(model.version)
            let network = Network(model: model)
            let window = [Float](repeating: 0.5, count: network.inputCount)
            window.withUnsafeBufferPointer { network.run($0) }
            XCTAssertFalse(model.outputs.isEmpty, name)
            for output in model.outputs {
                let values = Array(network.values(of: output))
                XCTAssertEqual(values.count, model.nodes[output.node].shape.count, "\(name): \(output.name)")
                XCTAssertTrue(values.allSatisfy(\.isFinite), "\(name): \(output.name) has non-finite values \(values)")
                if let labels = output.labels { XCTAssertEqual(labels.count, values.count, "\(name): \(output.name)") }
            }
            if let genre = model.output(ModelOutput.genre) {
                let values = Array(network.values(of: genre))
                XCTAssertEqual(values.count, network.labelCount, name)
                XCTAssertEqual(values.reduce(0, +), 1, accuracy: 1e-4, name)
                XCTAssertTrue(values.allSatisfy { $0 >= 0 }, name)
                // The same through the genre-only entry point.
                var probabilities = [Float](repeating: .nan, count: network.labelCount)
                window.withUnsafeBufferPointer { input in
                    probabilities.withUnsafeMutableBufferPointer { network.probabilities(for: input, into: $0) }
                }
                XCTAssertEqual(probabilities, values, name)
            } else {
                withoutGenre += 1
                XCTAssertEqual(network.labelCount, 0, name)
            }
            if name == "v2-every-op.gsm" {
                // Its conv -> relu -> affine -> reduce(max, h) chain and its conv(relu) ->
                // reduce(max, h) run fused; the chain whose affine has a second reader does not.
                XCTAssertEqual(network.steps.filter { $0.kind == .convMaxOverH }.map(\.name), ["a_max", "b_max"], name)
            }
            if let tags = model.output(ModelOutput.tags) {
                XCTAssertTrue(network.values(of: tags).allSatisfy { $0 >= 0 && $0 <= 1 }, "\(name): tags")
            }
        }
        XCTAssertEqual(versions, [1, 2, 3], "the corpus keeps seeds of every version")
        XCTAssertGreaterThanOrEqual(withoutGenre, 1, "a seed without a genre output")
    }

    /// `overflow-*` inputs are valid models the fuzzer found whose weights (up to 1e38)
    /// overflow to infinity and NaN: they load, and a stream through them stops with a
    /// model error at the first window instead of labelling NaN as the first genre.
    func testOverflowingModelsStopWithAModelError() throws {
        let seeds = try Self.corpus("model").filter { $0.lastPathComponent.hasPrefix("overflow-") }
        XCTAssertGreaterThanOrEqual(seeds.count, 1)
        for url in seeds {
            let model = try load(url)
            let pipeline = try Pipeline(model: model, settings: PipelineSettings(hopFrames: model.frontend.framesPerWindow, deadAirDBFS: nil, decisions: .off))
            var windows = 0
            XCTAssertThrowsError(try pipeline.runWindows(FusionTests.ArraySource(seconds: 4)) { _ in windows += 1 }, url.lastPathComponent) { error in
                guard case let .model(message)? = error as? EngineError else {
                    return XCTFail("\(url.lastPathComponent): expected a model error, got \(error)")
                }
                XCTAssertTrue(message.contains("non-finite probability"), message)
            }
            XCTAssertEqual(windows, 0, "\(url.lastPathComponent): no window is labelled")
        }
    }

    /// `reject-*` inputs are ones the fuzzer found reaching the graph and output checks
    /// (kept, preamble fixed up, to start later runs there): each must be a model error.
    func testRejectInputsGiveModelErrors() throws {
        let rejects = try Self.corpus("model").filter { $0.lastPathComponent.hasPrefix("reject-") }
        XCTAssertGreaterThanOrEqual(rejects.count, 1)
        for url in rejects {
            XCTAssertThrowsError(try load(url), url.lastPathComponent) { error in
                guard case .model? = error as? EngineError else {
                    return XCTFail("\(url.lastPathComponent): expected a model error, got \(error)")
                }
            }
        }
    }

    /// Every stream seed is a valid stream and decodes to the end, through the smallest
    /// buffer (the `regress-` inputs are findings, not valid streams).
    func testStreamSeedsDecode() throws {
        let seeds = try Self.corpus("stream").filter { !$0.lastPathComponent.hasPrefix("regress-") }
        XCTAssertGreaterThanOrEqual(seeds.count, 20)
        let raw = RawPCMFormat(encoding: .s16LE, sampleRate: 22050, channels: 1)
        for url in seeds {
            let fd = open(url.path, O_RDONLY)
            XCTAssertGreaterThanOrEqual(fd, 0, url.path)
            defer { close(fd) }
            let source = try StdinSource(fileDescriptor: fd, raw: raw, bufferCapacity: 512)
            var total = 0
            var buffer = [Float](repeating: 0, count: 64 * source.format.channels)
            while true {
                let n = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
                if n == 0 { break }
                total += n
            }
            XCTAssertGreaterThan(total, 0, url.lastPathComponent)
        }
    }

    /// Each `regress-` stream input decodes to the same samples through the smallest
    /// buffer with ragged reads and through the 64 KiB one with even reads, as the stream
    /// fuzzer demands. The MP3 one (frames joined mid-frame, cut inside a frame) lost a
    /// different tail for each read size while libsndfile was asked for the caller's size.
    func testStreamRegressionsDecodeAlikeWhateverTheReadSizes() throws {
        let seeds = try Self.corpus("stream").filter { $0.lastPathComponent.hasPrefix("regress-") }
        XCTAssertFalse(seeds.isEmpty)
        let raw = RawPCMFormat(encoding: .s16LE, sampleRate: 22050, channels: 1)
        func decode(_ url: URL, capacity: Int, readFrames: [Int]) throws -> (String, [Float]) {
            let fd = open(url.path, O_RDONLY)
            guard fd >= 0 else { throw EngineError.internalFault("cannot open \(url.path)") }
            defer { close(fd) }
            let source = try StdinSource(fileDescriptor: fd, raw: raw, bufferCapacity: capacity)
            let channels = source.format.channels
            var samples: [Float] = []
            var buffer = [Float](repeating: 0, count: 64 * channels)
            for call in 0... {
                let wanted = readFrames[call % readFrames.count] * channels
                let n = try buffer.withUnsafeMutableBufferPointer { try source.read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<wanted])) }
                if n == 0 { break }
                samples += buffer[0..<n]
            }
            return (source.container, samples)
        }
        for url in seeds {
            let small = try decode(url, capacity: 512, readFrames: [1, 3, 64, 7, 2, 33])
            let large = try decode(url, capacity: 64 * 1024, readFrames: [64])
            XCTAssertEqual(small.0, large.0, url.lastPathComponent)
            XCTAssertEqual(small.1.count, large.1.count, url.lastPathComponent)
            XCTAssertTrue(small.1.elementsEqual(large.1) { $0.bitPattern == $1.bitPattern }, url.lastPathComponent)
        }
    }
}

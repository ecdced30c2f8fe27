import CKernels
import Foundation
import XCTest

@testable import Engine
@testable import Report

/// Version-2 graphs: the loader's checks name the node at fault, and the engine's
/// planned, fused execution equals a plain node-by-node evaluation written here.
final class ModelGraphTests: XCTestCase {
    // MARK: a small graph with every op, built in the test

    /// The window is [1, 12, 20]. Two branches (one fused conv -> relu -> affine with
    /// negative scales -> max over h; one conv 7 wide with ReLU and a max over h, which
    /// runs as Winograd F(2,7) where a SIMD version exists), concat, a residual
    /// block (one conv 7 wide), strided max-pool, reductions, dense, sigmoid and softmax.
    static var nodes: [[String: Any]] { [
        ["name": "bn", "op": "affine", "inputs": ["input"]],
        ["name": "a", "op": "conv2d", "inputs": ["bn"], "out_channels": 7, "kernel": [5, 3], "pad": [0, 0, 1, 1]],
        ["name": "a_relu", "op": "relu", "inputs": ["a"]],
        ["name": "a_bn", "op": "affine", "inputs": ["a_relu"]],
        ["name": "a_max", "op": "reduce", "inputs": ["a_bn"], "kind": "max", "axis": "h"],
        ["name": "b", "op": "conv2d", "inputs": ["bn"], "out_channels": 3, "kernel": [12, 7], "pad": [0, 0, 3, 3], "relu": true],
        ["name": "b_max", "op": "reduce", "inputs": ["b"], "kind": "max", "axis": "h"],
        ["name": "front", "op": "concat", "inputs": ["a_max", "b_max"], "axis": "c"],
        ["name": "mid", "op": "conv2d", "inputs": ["front"], "out_channels": 10, "kernel": [1, 3], "pad": [0, 0, 1, 1], "relu": true],
        ["name": "mid_bn", "op": "affine", "inputs": ["mid"]],
        ["name": "mid2", "op": "conv2d", "inputs": ["mid_bn"], "out_channels": 10, "kernel": [1, 7], "pad": [0, 0, 3, 3]],
        ["name": "res", "op": "add", "inputs": ["mid2", "mid_bn"]],
        ["name": "pooled", "op": "maxpool", "inputs": ["res"], "kernel": [1, 3], "stride": [1, 2]],
        ["name": "tmax", "op": "reduce", "inputs": ["pooled"], "kind": "max", "axis": "w"],
        ["name": "tmean", "op": "reduce", "inputs": ["res"], "kind": "mean", "axis": "w"],
        ["name": "pool", "op": "concat", "inputs": ["tmax", "tmean"], "axis": "c"],
        ["name": "embedding", "op": "dense", "inputs": ["pool"], "out_features": 6, "relu": true],
        ["name": "logits", "op": "dense", "inputs": ["embedding"], "out_features": 4],
        ["name": "tags", "op": "sigmoid", "inputs": ["logits"]],
        ["name": "genre", "op": "softmax", "inputs": ["logits"]],
    ] }

    static var outputs: [[String: Any]] { [
        ["name": "genre", "node": "genre", "labels": ["w", "x", "y", "z"]],
        ["name": "tags", "node": "tags", "labels": ["t0", "t1", "t2", "t3"]],
        ["name": "embedding", "node": "embedding"],
    ] }

    static var frontend: [String: Any] { [
        "sample_rate": 16000, "n_fft": 512, "hop_length": 256, "window": "hann", "center": true, "n_mels": 12,
        "fmin": 0.0, "fmax": 8000.0, "mel_scale": "slaney", "mel_norm": "slaney", "power": 2.0,
        "compression": ["kind": "log10_1p", "k": 10000.0], "frames_per_window": 20, "standardize": false,
    ] }

    /// Tensor shapes in node order, given the shapes above.
    static let tensorShapes: [(String, [Int])] = [
        ("bn.scale", [1]), ("bn.shift", [1]),
        ("a.weight", [7, 1, 5, 3]), ("a.bias", [7]), ("a_bn.scale", [7]), ("a_bn.shift", [7]),
        ("b.weight", [3, 1, 12, 7]), ("b.bias", [3]),
        ("mid.weight", [10, 10, 1, 3]), ("mid.bias", [10]), ("mid_bn.scale", [10]), ("mid_bn.shift", [10]),
        ("mid2.weight", [10, 10, 1, 7]), ("mid2.bias", [10]),
        ("embedding.weight", [6, 20]), ("embedding.bias", [6]),
        ("logits.weight", [4, 6]), ("logits.bias", [4]),
    ]

    static func tensors(seed: UInt64) -> [String: [Float]] {
        var random = SeededRandom(seed: seed)
        var out: [String: [Float]] = [:]
        for (name, shape) in tensorShapes {
            out[name] = random.floats(shape.reduce(1, *), in: -1...1)
        }
        // Most of a_bn's scales negative, as musicnn's: the fused max must become a min there.
        out["a_bn.scale"] = [-1.5, 0.7, -0.3, -2.0, 0.0, 1.1, -0.9]
        return out
    }

    /// A version-2 file of the graph; the tensors in `int8` are written as i8, and
    /// `dtypes` overrides a tensor's dtype field (the bytes stay).
    static func modelBytes(nodes: [[String: Any]] = nodes, outputs: [[String: Any]] = outputs,
                           tensors: [String: [Float]] = tensors(seed: 11),
                           shapes: [(String, [Int])] = tensorShapes,
                           int8: [String: [Int8]] = [:], dtypes: [String: String] = [:]) throws -> [UInt8] {
        var records: [[String: Any]] = [], data: [UInt8] = []
        for (name, shape) in shapes {
            records.append(["name": name, "shape": shape, "dtype": dtypes[name] ?? (int8[name] == nil ? "f32" : "i8"), "offset": data.count])
            if let q = int8[name] {
                data += q.map { UInt8(bitPattern: $0) }
            } else {
                for v in tensors[name] ?? [Float](repeating: 0, count: shape.reduce(1, *)) {
                    data += (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) }
                }
            }
            if name != shapes.last?.0 { data += [UInt8](repeating: 0, count: (64 - data.count % 64) % 64) }
        }
        let header: [String: Any] = ["name": "graph-test", "frontend": frontend, "nodes": nodes, "outputs": outputs, "tensors": records]
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        let dataStart = (16 + json.count + 63) / 64 * 64
        let body = json + [UInt8](repeating: 0, count: dataStart - 16 - json.count) + data
        let le32 = { (v: Int) in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        return Array("GSTM".utf8) + le32(2) + le32(json.count) + le32(Int(crc)) + body
    }

    private func load(_ bytes: [UInt8]) throws -> ModelFile {
        try bytes.withUnsafeBytes { try ModelFile(bytes: $0, source: "graph.gsm") }
    }

    // MARK: MobileNet's ops (YAMNet)

    /// A small MobileNetV1: a strided full convolution with a capped ReLU, depthwise
    /// 3x3 at strides 1 and 2 with TF "same" padding (more after than before), capped
    /// pointwise layers with odd channel counts, a clamp, global average pool, dense.
    static var mobileNodes: [[String: Any]] { [
        ["name": "in_clamp", "op": "clamp", "inputs": ["input"], "min": -1.5, "max": 3.0],
        ["name": "l1", "op": "conv2d", "inputs": ["in_clamp"], "out_channels": 5, "kernel": [3, 3], "stride": [2, 2],
         "pad": [0, 1, 0, 1], "relu": true, "relu_max": 2.5],
        ["name": "l2_dw", "op": "depthwise_conv2d", "inputs": ["l1"], "kernel": [3, 3], "stride": [1, 1], "pad": [1, 1, 1, 1],
         "relu": true, "relu_max": 1.25],
        ["name": "l2_pw", "op": "conv2d", "inputs": ["l2_dw"], "out_channels": 19, "kernel": [1, 1], "relu": true, "relu_max": 3.0],
        ["name": "l3_dw", "op": "depthwise_conv2d", "inputs": ["l2_pw"], "kernel": [3, 3], "stride": [2, 2], "pad": [0, 1, 0, 1],
         "relu": true],
        ["name": "l3_pw", "op": "conv2d", "inputs": ["l3_dw"], "out_channels": 33, "kernel": [1, 1], "relu": true, "relu_max": 0.75],
        ["name": "pool", "op": "global_avgpool", "inputs": ["l3_pw"]],
        ["name": "logits", "op": "dense", "inputs": ["pool"], "out_features": 7],
        ["name": "clamped", "op": "clamp", "inputs": ["logits"], "min": -2.0, "max": 1.5],
        ["name": "tags", "op": "sigmoid", "inputs": ["clamped"]],
    ] }

    static let mobileShapes: [(String, [Int])] = [
        ("l1.weight", [5, 1, 3, 3]), ("l1.bias", [5]),
        ("l2_dw.weight", [5, 1, 3, 3]), ("l2_dw.bias", [5]),
        ("l2_pw.weight", [19, 5, 1, 1]), ("l2_pw.bias", [19]),
        ("l3_dw.weight", [19, 1, 3, 3]), ("l3_dw.bias", [19]),
        ("l3_pw.weight", [33, 19, 1, 1]), ("l3_pw.bias", [33]),
        ("logits.weight", [7, 33]), ("logits.bias", [7]),
    ]

    func testMobileNetOpsEqualNodeByNodeReference() throws {
        var random = SeededRandom(seed: 21)
        var tensors: [String: [Float]] = [:]
        for (name, shape) in Self.mobileShapes { tensors[name] = random.floats(shape.reduce(1, *), in: -1...1) }
        let outputs: [[String: Any]] = [["name": "tags", "node": "tags", "labels": (0..<7).map { "t\($0)" }],
                                        ["name": "embedding", "node": "pool"], ["name": "logits", "node": "clamped"]]
        let model = try load(try Self.modelBytes(nodes: Self.mobileNodes, outputs: outputs, tensors: tensors, shapes: Self.mobileShapes))
        // [1, 12, 20] -> stride 2 with one more row and column after: [5, 6, 10] -> [19, 6, 10] -> [33, 3, 5].
        XCTAssertEqual(model.nodes.map(\.shape.description),
                       ["[1, 12, 20]", "[1, 12, 20]", "[5, 6, 10]", "[5, 6, 10]", "[19, 6, 10]", "[19, 3, 5]", "[33, 3, 5]",
                        "[33, 1, 1]", "[7, 1, 1]", "[7, 1, 1]", "[7, 1, 1]"])
        let network = Network(model: model)
        XCTAssertEqual(network.steps.map(\.kind), [.clamp, .conv, .depthwise, .pointwise, .depthwise, .pointwise,
                                                    .globalAvgpool, .dense, .clamp, .sigmoid])
        for trial in 0..<3 {
            let window = random.floats(network.inputCount, in: -2...4)
            let reference = ReferenceGraph(model: model, tensors: tensors).evaluate(window)
            window.withUnsafeBufferPointer { network.run($0) }
            for output in model.outputs {
                assertClose(Array(network.values(of: output)), reference[output.node], relative: 1e-4, absolute: 1e-5,
                            "trial \(trial) output \(output.name)")
            }
            // The caps bind: some values of each capped layer sit exactly at their bound.
            XCTAssertTrue(reference[model.nodes.firstIndex { $0.name == "l3_pw" }!].contains(0.75), "trial \(trial)")
        }
    }

    /// The pointwise weights as int8 with a scale per output channel (YAMNet's form):
    /// the network (the q8 kernel for a pointwise step, the dequantized weight for a
    /// padded 1x1 convolution) equals the node-by-node reference on the weights'
    /// values, `q * scale`.
    func testInt8PointwiseWeightsEqualNodeByNodeReference() throws {
        var random = SeededRandom(seed: 23)
        var tensors: [String: [Float]] = [:], int8: [String: [Int8]] = [:], reference: [String: [Float]] = [:]
        var shapes: [(String, [Int])] = []
        for (name, shape) in Self.mobileShapes {
            shapes.append((name, shape))
            tensors[name] = random.floats(shape.reduce(1, *), in: -1...1)
            reference[name] = tensors[name]
            guard name.hasSuffix("_pw.weight") else { continue }
            let out = shape[0], perChannel = shape.reduce(1, *) / out
            let q = (0..<(out * perChannel)).map { _ in Int8.random(in: .min ... .max, using: &random) }
            let scale = random.floats(out, in: 0.002...0.02)
            let scaleName = String(name.dropLast(".weight".count)) + ".weight_scale"
            int8[name] = q
            tensors[scaleName] = scale
            shapes.append((scaleName, [out]))
            reference[name] = q.indices.map { Float(q[$0]) * scale[$0 / perChannel] }
        }
        let outputs: [[String: Any]] = [["name": "tags", "node": "tags", "labels": (0..<7).map { "t\($0)" }],
                                        ["name": "embedding", "node": "pool"], ["name": "logits", "node": "clamped"]]
        var padded = Self.mobileNodes
        padded[3]["pad"] = [1, 1, 1, 1]
        for (nodes, kinds) in [(Self.mobileNodes, [Network.Step.Kind.pointwise, .pointwise]), (padded, [.conv, .pointwise])] {
            let model = try load(try Self.modelBytes(nodes: nodes, outputs: outputs, tensors: tensors, shapes: shapes, int8: int8))
            XCTAssertEqual(model.quantizedTensors.keys.sorted(), ["l2_pw.weight", "l3_pw.weight"])
            XCTAssertEqual(model.quantizedTensors["l3_pw.weight"], int8["l3_pw.weight"])
            XCTAssertEqual(model.tensors["l3_pw.weight_scale"], tensors["l3_pw.weight_scale"])
            XCTAssertNil(model.tensors["l3_pw.weight"])
            XCTAssertEqual(model.parameterCount, Self.mobileShapes.reduce(0) { $0 + $1.1.reduce(1, *) }, "the scales are not counted")
            let network = Network(model: model)
            XCTAssertEqual(network.steps.filter { $0.name.hasSuffix("_pw") }.map(\.kind), kinds)
            for trial in 0..<3 {
                let window = random.floats(network.inputCount, in: -2...4)
                let want = ReferenceGraph(model: model, tensors: reference).evaluate(window)
                window.withUnsafeBufferPointer { network.run($0) }
                for output in model.outputs {
                    assertClose(Array(network.values(of: output)), want[output.node], relative: 1e-4, absolute: 1e-5,
                                "\(kinds) trial \(trial) output \(output.name)")
                }
            }
        }
    }

    /// Where an int8 weight may be, and what must come with it.
    func testInt8WeightsAreChecked() throws {
        let pw = Self.mobileShapes.firstIndex { $0.0 == "l2_pw.weight" }!
        var withScale = Self.mobileShapes
        withScale.insert(("l2_pw.weight_scale", [19]), at: pw + 1)
        func message(shapes: [(String, [Int])] = withScale, int8 names: [String] = ["l2_pw.weight"], dtypes: [String: String] = [:]) -> String {
            var int8: [String: [Int8]] = [:]
            for name in names { int8[name] = [Int8](repeating: 3, count: shapes.first { $0.0 == name }!.1.reduce(1, *)) }
            do {
                _ = try load(try Self.modelBytes(nodes: Self.mobileNodes, outputs: [["name": "tags", "node": "tags"]], tensors: [:],
                                                 shapes: shapes, int8: int8, dtypes: dtypes))
                return "loaded"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message(), "loaded")
        for (got, want) in [
            (message(shapes: Self.mobileShapes), "tensor l2_pw.weight_scale [19] is missing (l2_pw.weight is i8"),
            (message(int8: ["l2_pw.weight", "logits.weight"]), "tensor logits.weight has dtype i8, expected f32 (only a 1x1 conv2d's weight may be i8)"),
            (message(int8: ["l2_pw.weight", "l2_dw.weight"]), "tensor l2_dw.weight has dtype i8, expected f32"),
            (message(int8: ["l2_pw.weight", "l2_pw.bias"]), "tensor l2_pw.bias has dtype i8, expected f32"),
            (message(int8: []), "tensor l2_pw.weight_scale is not used: its weight is f32"),
            (message(shapes: withScale.map { $0.0 == "l2_pw.weight_scale" ? ($0.0, [18]) : $0 }),
             "tensor l2_pw.weight_scale has shape [18], expected [19]"),
            (message(dtypes: ["l2_pw.weight": "i4"]), "tensor l2_pw.weight has dtype i4, expected f32 or i8"),
            (message(dtypes: ["l2_pw.weight_scale": "i8"]), "tensor l2_pw.weight_scale has dtype i8, expected f32"),
            (message(dtypes: ["logits.weight": "f16"]), "tensor logits.weight has dtype f16, expected f32"),
        ] {
            XCTAssertTrue(got.contains(want), "'\(got)' should contain '\(want)'")
        }
    }

    func testMobileNetOpFieldsAreChecked() throws {
        func message(_ change: ([String: Any]) -> [String: Any], at index: Int) -> String {
            var nodes = Self.mobileNodes
            nodes[index] = change(nodes[index])
            do {
                _ = try load(try Self.modelBytes(nodes: nodes, outputs: [["name": "tags", "node": "tags"]], shapes: Self.mobileShapes))
                return "loaded"
            } catch { return "\(error)" }
        }
        func with(_ key: String, _ value: Any) -> ([String: Any]) -> [String: Any] { { var n = $0; n[key] = value; return n } }
        XCTAssertTrue(message(with("kernel", [5, 5]), at: 2).contains("node 2 \"l2_dw\" (depthwise_conv2d) kernel [5, 5], expected [3, 3]"))
        XCTAssertTrue(message(with("stride", [2, 1]), at: 2).contains("stride [2, 1], expected [1, 1] or [2, 2]"))
        XCTAssertTrue(message(with("relu", false), at: 1).contains("\"l1\" (conv2d) has relu_max 2.5 but no relu"))
        XCTAssertTrue(message(with("relu_max", -1.0), at: 3).contains("relu_max -1.0 outside (0, 1e30]"))
        XCTAssertTrue(message(with("min", 5.0), at: 0).contains("\"in_clamp\" (clamp) min 5.0 / max 3.0: need finite values with min < max"))
        XCTAssertTrue(message({ var n = $0; n["max"] = nil; return n }, at: 8).contains("\"clamped\" (clamp) has no \"max\""))
        XCTAssertTrue(message(with("out_channels", 18), at: 3).contains("tensor l2_pw.weight has shape [19, 5, 1, 1], expected [18, 5, 1, 1]"))
    }

    // MARK: execution

    /// Tolerances: 1e-4, since the convolutions 7 wide run as Winograd F(2,7), whose
    /// rounding differs from the reference's double sum by about 1e-5 relative; a wrong
    /// tap, channel or plan is off by far more.
    func testFusedPlannedGraphEqualsNodeByNodeReference() throws {
        let model = try load(try Self.modelBytes())
        let network = Network(model: model)
        // The planner fused a's chain (conv, relu, affine, max) and b's (conv with relu, max).
        let fused = network.steps.filter { $0.kind == .convMaxOverH }.map(\.nodes)
        XCTAssertEqual(fused, [["a", "a_relu", "a_bn", "a_max"], ["b", "b_max"]])
        XCTAssertEqual(network.steps.filter { $0.kind == .conv }.count, 2)
        XCTAssertEqual(network.steps.filter(\.winograd).map(\.name), gs_wino27_available() != 0 ? ["b_max", "mid2"] : [])
        // Buffers are shared: fewer slots' worth of floats than the values themselves.
        XCTAssertLessThan(network.workingFloats, model.nodes.reduce(0) { $0 + $1.shape.count } + 4096)

        var random = SeededRandom(seed: 5)
        for trial in 0..<3 {
            let window = random.floats(network.inputCount, in: 0...4)
            let reference = ReferenceGraph(model: model, tensors: Self.tensors(seed: 11)).evaluate(window)
            window.withUnsafeBufferPointer { network.run($0) }
            for output in model.outputs {
                let got = Array(network.values(of: output))
                assertClose(got, reference[output.node], relative: 1e-4, absolute: 1e-4, "trial \(trial) output \(output.name)")
            }
        }
    }

    func testEveryValueEqualsReference() throws {
        let base = try load(try Self.modelBytes())
        var random = SeededRandom(seed: 5)
        let window = random.floats(base.nodes[0].shape.count, in: 0...4)
        let reference = ReferenceGraph(model: base, tensors: Self.tensors(seed: 11)).evaluate(window)
        for (k, node) in base.nodes.enumerated() where k > 0 {
            var outputs = Self.outputs
            outputs.append(["name": "probe", "node": node.name])
            let model = try load(try Self.modelBytes(outputs: outputs))
            let network = Network(model: model)
            window.withUnsafeBufferPointer { network.run($0) }
            assertClose(Array(network.values(of: model.output("probe")!)), reference[k], relative: 1e-4, absolute: 1e-4, "node \(node.name)")
        }
    }

    func testOutputsAndShapes() throws {
        let model = try load(try Self.modelBytes())
        XCTAssertEqual(model.version, 2)
        XCTAssertEqual(model.labels, ["w", "x", "y", "z"])
        XCTAssertEqual(model.output("tags")?.labels?.count, 4)
        XCTAssertNil(model.output("embedding")?.labels)
        let shape = { (name: String) in model.nodes.first { $0.name == name }!.shape }
        XCTAssertEqual(shape("a"), Shape(c: 7, h: 8, w: 20))
        XCTAssertEqual(shape("b"), Shape(c: 3, h: 1, w: 20))
        XCTAssertEqual(shape("mid2"), Shape(c: 10, h: 1, w: 20))
        XCTAssertEqual(shape("front"), Shape(c: 10, h: 1, w: 20))
        XCTAssertEqual(shape("pooled"), Shape(c: 10, h: 1, w: 9))
        XCTAssertEqual(shape("pool"), Shape(c: 20, h: 1, w: 1))
        XCTAssertEqual(model.flopsPerWindow, 2 * (15 * 7 * 160 + 84 * 3 * 20 + 30 * 10 * 20 + 70 * 10 * 20 + 20 * 6 + 6 * 4))
    }

    /// A version-1 file is read as the chain graph it describes, with the same
    /// weights, and gives the same probabilities as its version-2 conversion.
    func testVersionOneFileReadsAsTheSameGraph() throws {
        let v1 = try load(try ModelFileEditing.fixtureV1Bytes)
        let v2 = try load(try ModelFileEditing.fixtureBytes)
        XCTAssertEqual(v1.version, 1)
        XCTAssertEqual(v2.version, 2)
        XCTAssertEqual(v1.nodes.map(\.op), v2.nodes.map(\.op))
        XCTAssertEqual(v1.nodes.map(\.shape), v2.nodes.map(\.shape))
        XCTAssertEqual(v1.tensors, v2.tensors)
        XCTAssertEqual(v1.labels, v2.labels)
        XCTAssertEqual(v1.frontend, v2.frontend)
        var random = SeededRandom(seed: 3)
        let a = Network(model: v1), b = Network(model: v2)
        let window = random.floats(a.inputCount)
        var pa = [Float](repeating: 0, count: a.labelCount), pb = pa
        window.withUnsafeBufferPointer { x in
            pa.withUnsafeMutableBufferPointer { a.probabilities(for: x, into: $0) }
            pb.withUnsafeMutableBufferPointer { b.probabilities(for: x, into: $0) }
        }
        XCTAssertEqual(pa, pb)
        XCTAssertEqual(pa.reduce(0, +), 1, accuracy: 1e-5)
    }

    // MARK: the loader's checks, each naming the node

    private func assertRejected(_ edit: (inout [[String: Any]], inout [[String: Any]]) -> Void,
                                mentions words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        var nodes = Self.nodes, outputs = Self.outputs
        edit(&nodes, &outputs)
        let bytes = try Self.modelBytes(nodes: nodes, outputs: outputs)
        XCTAssertThrowsError(try load(bytes), file: file, line: line) { error in
            guard case .model(let message)? = error as? EngineError else {
                return XCTFail("expected a model error, got \(error)", file: file, line: line)
            }
            XCTAssertFalse(message.contains("\n"), file: file, line: line)
            for word in words {
                XCTAssertTrue(message.contains(word), "'\(message)' should mention '\(word)'", file: file, line: line)
            }
        }
    }

    func testRejectsCyclesDanglingInputsAndDuplicateNames() throws {
        // A node reading a later one: how a cycle shows in topological order.
        try assertRejected({ n, _ in n[1]["inputs"] = ["a_max"] }, mentions: ["\"a\"", "dangling input \"a_max\""])
        try assertRejected({ n, _ in n[2]["inputs"] = ["nowhere"] }, mentions: ["\"a_relu\"", "dangling input \"nowhere\""])
        try assertRejected({ n, _ in n[3]["name"] = "a" }, mentions: ["\"a\"", "reuses the name"])
        try assertRejected({ n, _ in n[0]["name"] = "input" }, mentions: ["reuses the name"])
        try assertRejected({ n, _ in n[2]["op"] = "gelu" }, mentions: ["\"a_relu\"", "unknown op"])
        try assertRejected({ n, _ in n[2]["inputs"] = ["a", "bn"] }, mentions: ["\"a_relu\"", "2 inputs, expected 1"])
    }

    func testRejectsShapeMismatchesAtConcatAndAdd() throws {
        try assertRejected({ n, _ in n[7]["inputs"] = ["a", "b_max"] },
                           mentions: ["\"front\"", "[7, 8, 20]", "same height"])
        try assertRejected({ n, _ in n[11]["inputs"] = ["mid2", "b_max"] },
                           mentions: ["\"res\"", "[3, 1, 20]", "shapes differ"])
    }

    func testRejectsKernelsThatDoNotFitAndOverLargeActivations() throws {
        try assertRejected({ n, _ in n[5]["kernel"] = [13, 4] }, mentions: ["\"b\"", "kernel [13, 4]", "does not fit"])
        try assertRejected({ n, _ in n[5]["kernel"] = [12, 27] }, mentions: ["\"b\"", "kernel [12, 27]", "12x26"])
        try assertRejected({ n, _ in n[1]["out_channels"] = 65536; n[1]["kernel"] = [1, 1]; n[1]["pad"] = [0, 0, 200, 200] },
                           mentions: ["\"a\"", "[65536, 12, 420]", "more than the \(GraphReader.maximumNodeFloats)"])
        try assertRejected({ n, _ in n[1]["pad"] = [0, 0, 5000, 0] }, mentions: ["\"a\"", "pad 5000"])
        try assertRejected({ n, _ in n[1]["kernel"] = [5] }, mentions: ["\"a\"", "kernel has 1 values"])
        try assertRejected({ n, _ in n[4]["axis"] = "c" }, mentions: ["\"a_max\"", "axis \"c\""])
        try assertRejected({ n, _ in n[16].removeValue(forKey: "out_features") }, mentions: ["\"embedding\"", "out_features"])
    }

    func testRejectsBadOutputs() throws {
        try assertRejected({ _, o in o[0]["node"] = "missing" }, mentions: ["output \"genre\"", "\"missing\""])
        try assertRejected({ _, o in o[1]["labels"] = ["only", "three", "tags"] },
                           mentions: ["output \"tags\"", "gives 4 outputs", "3 labels"])
        try assertRejected({ _, o in o[2]["name"] = "genre" }, mentions: ["output \"genre\"", "twice"])
        try assertRejected({ _, o in o.removeAll() }, mentions: ["no outputs"])
    }

    func testRejectsMisShapedGraphTensors() throws {
        var shapes = Self.tensorShapes
        shapes[2] = ("a.weight", [7, 1, 3, 5])
        let bytes = try Self.modelBytes(shapes: shapes)
        XCTAssertThrowsError(try load(bytes)) { error in
            XCTAssertTrue("\(error)".contains("a.weight has shape [7, 1, 3, 5], expected [7, 1, 5, 3]"), "\(error)")
        }
    }
}

/// A plain evaluation of a model graph, node by node, with every value stored:
/// the reference the planned network is compared with. Written from FORMAT.md,
/// sharing no code with the engine's kernels.
struct ReferenceGraph {
    let model: ModelFile
    let tensors: [String: [Float]]

    func evaluate(_ window: [Float]) -> [[Float]] {
        var values: [[Float]] = [window]
        for node in model.nodes.dropFirst() {
            let x = values[node.inputs[0]], s = model.nodes[node.inputs[0]].shape, y = node.shape
            var out = [Float](repeating: 0, count: y.count)
            switch node.op {
            case .input: break
            case let .conv2d(cout, kh, kw, pad, relu, sh, sw, reluMax):
                let wt = tensors[node.name + ".weight"]!, b = tensors[node.name + ".bias"]!
                for o in 0..<cout { for r in 0..<y.h { for t in 0..<y.w {
                    var sum = Double(b[o])
                    for i in 0..<s.c { for dy in 0..<kh { for dx in 0..<kw {
                        let yy = r * sh + dy - pad[0], xx = t * sw + dx - pad[2]
                        guard yy >= 0, yy < s.h, xx >= 0, xx < s.w else { continue }
                        sum += Double(wt[((o * s.c + i) * kh + dy) * kw + dx]) * Double(x[(i * s.h + yy) * s.w + xx])
                    } } }
                    out[(o * y.h + r) * y.w + t] = relu ? min(Float(max(0, sum)), reluMax) : Float(sum)
                } } }
            case let .depthwiseConv2d(kh, kw, stride, pad, relu, reluMax):
                let wt = tensors[node.name + ".weight"]!, b = tensors[node.name + ".bias"]!
                for c in 0..<s.c { for r in 0..<y.h { for t in 0..<y.w {
                    var sum = Double(b[c])
                    for dy in 0..<kh { for dx in 0..<kw {
                        let yy = r * stride + dy - pad[0], xx = t * stride + dx - pad[2]
                        guard yy >= 0, yy < s.h, xx >= 0, xx < s.w else { continue }
                        sum += Double(wt[(c * kh + dy) * kw + dx]) * Double(x[(c * s.h + yy) * s.w + xx])
                    } }
                    out[(c * y.h + r) * y.w + t] = relu ? min(Float(max(0, sum)), reluMax) : Float(sum)
                } } }
            case let .clamp(low, high): out = x.map { min(max($0, low), high) }
            case .relu: out = x.map { max(0, $0) }
            case .affine:
                let sc = tensors[node.name + ".scale"]!, sh = tensors[node.name + ".shift"]!
                let plane = s.h * s.w
                out = x.indices.map { x[$0] * sc[$0 / plane] + sh[$0 / plane] }
            case let .reduce(kind, axis):
                for c in 0..<s.c {
                    if axis == .h {
                        for t in 0..<s.w {
                            let col = (0..<s.h).map { x[(c * s.h + $0) * s.w + t] }
                            out[c * s.w + t] = kind == .max ? col.max()! : col.reduce(0, +) / Float(s.h)
                        }
                    } else {
                        for r in 0..<s.h {
                            let row = Array(x[((c * s.h + r) * s.w)..<((c * s.h + r + 1) * s.w)])
                            out[c * s.h + r] = kind == .max ? row.max()! : row.reduce(0, +) / Float(s.w)
                        }
                    }
                }
            case let .maxpool(kh, kw, sh, sw):
                for c in 0..<s.c { for r in 0..<y.h { for t in 0..<y.w {
                    var m = -Float.infinity
                    for dy in 0..<kh { for dx in 0..<kw { m = max(m, x[(c * s.h + r * sh + dy) * s.w + t * sw + dx]) } }
                    out[(c * y.h + r) * y.w + t] = m
                } } }
            case .globalAvgpool:
                let plane = s.h * s.w
                for c in 0..<s.c { out[c] = x[(c * plane)..<((c + 1) * plane)].reduce(0, +) / Float(plane) }
            case .concat: out = node.inputs.flatMap { values[$0] }
            case .add: out = zip(x, values[node.inputs[1]]).map { $0 + $1 }
            case let .dense(fout, relu, reluMax):
                let wt = tensors[node.name + ".weight"]!, b = tensors[node.name + ".bias"]!
                for o in 0..<fout {
                    var sum = Double(b[o])
                    for i in 0..<x.count { sum += Double(wt[o * x.count + i]) * Double(x[i]) }
                    out[o] = relu ? min(Float(max(0, sum)), reluMax) : Float(sum)
                }
            case .softmax:
                let m = x.max()!, e = x.map { exp(Double($0 - m)) }, z = e.reduce(0, +)
                out = e.map { Float($0 / z) }
            case .sigmoid: out = x.map { Float(1 / (1 + exp(-Double($0)))) }
            }
            values.append(out)
        }
        return values
    }
}

/// One step of a version-1 network, as listed in the file's `layers`; the loader
/// turns the list into the version-2 graph it describes (`graphNodes`).
enum Layer: Sendable, Equatable {
    case conv3x3(name: String, inChannels: Int, outChannels: Int, relu: Bool)
    case maxpool(kh: Int, kw: Int)
    case globalAvgpool
    case dense(name: String, inFeatures: Int, outFeatures: Int, relu: Bool)
    case softmax

    /// The chain as graph nodes, each reading the one before (the first reads
    /// `input`). Convolutions and dense layers keep their names, so their tensors
    /// keep theirs; pools are named `pool1`, `pool2`, ..., `avgpool`, `softmax`.
    static func graphNodes(_ layers: [Layer]) -> [NodeRecord] {
        var records: [NodeRecord] = []
        var previous = "input", pools = 0
        for layer in layers {
            var r = NodeRecord(name: "", op: "", inputs: [previous])
            switch layer {
            case let .conv3x3(name, _, cout, relu):
                (r.name, r.op, r.outChannels, r.kernel, r.pad, r.relu) = (name, "conv2d", cout, [3, 3], [1, 1, 1, 1], relu)
            case let .maxpool(kh, kw):
                pools += 1
                (r.name, r.op, r.kernel) = ("pool\(pools)", "maxpool", [kh, kw])
            case .globalAvgpool:
                (r.name, r.op) = ("avgpool", "global_avgpool")
            case let .dense(name, _, fout, relu):
                (r.name, r.op, r.outFeatures, r.relu) = (name, "dense", fout, relu)
            case .softmax:
                (r.name, r.op) = ("softmax", "softmax")
            }
            records.append(r)
            previous = r.name
        }
        return records
    }
}

/// The JSON form of a layer; read loosely, then checked into a `Layer`.
struct LayerRecord {
    var op: String
    var name: String?
    var inChannels: Int?
    var outChannels: Int?
    var inFeatures: Int?
    var outFeatures: Int?
    var relu: Bool?
    var kernel: [Int]?

    /// Which fields an op needs is `layer(index:)`'s business; here each is only typed.
    init(json: JSONObject) throws {
        op = try json.required("op", as: .string)
        name = try json.optional("name", as: .string)
        inChannels = try json.optional("in_channels", as: .int)
        outChannels = try json.optional("out_channels", as: .int)
        inFeatures = try json.optional("in_features", as: .int)
        outFeatures = try json.optional("out_features", as: .int)
        relu = try json.optional("relu", as: .bool)
        kernel = try json.optional("kernel", as: .list(of: .int))
    }

    func layer(index: Int) throws -> Layer {
        func need<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else { throw EngineError.model("layer \(index) (\(op)) has no \"\(field)\"") }
            return value
        }
        func positive(_ value: Int, _ field: String) throws -> Int {
            guard value > 0, value <= 65536 else {
                throw EngineError.model("layer \(index) (\(op)) \(field) \(value) outside 1...65536")
            }
            return value
        }
        switch op {
        case "conv3x3":
            return .conv3x3(
                name: try need(name, "name"),
                inChannels: try positive(try need(inChannels, "in_channels"), "in_channels"),
                outChannels: try positive(try need(outChannels, "out_channels"), "out_channels"),
                relu: try need(relu, "relu"))
        case "maxpool":
            let k = try need(kernel, "kernel")
            guard k.count == 2 else { throw EngineError.model("layer \(index) (maxpool) kernel has \(k.count) values, expected 2") }
            return .maxpool(kh: try positive(k[0], "kernel height"), kw: try positive(k[1], "kernel width"))
        case "global_avgpool":
            return .globalAvgpool
        case "dense":
            return .dense(
                name: try need(name, "name"),
                inFeatures: try positive(try need(inFeatures, "in_features"), "in_features"),
                outFeatures: try positive(try need(outFeatures, "out_features"), "out_features"),
                relu: try need(relu, "relu"))
        case "softmax":
            return .softmax
        default:
            throw EngineError.model("layer \(index) has unknown op \"\(op)\" (known: conv3x3, maxpool, global_avgpool, dense, softmax)")
        }
    }
}

/// The JSON form of a graph node; read loosely, then checked into a `GraphNode`
/// by `GraphReader`.
struct NodeRecord {
    var name: String
    var op: String
    var inputs: [String]
    var outChannels: Int?
    var outFeatures: Int?
    var kernel: [Int]?
    var stride: [Int]?
    var pad: [Int]?
    var relu: Bool?
    var kind: String?
    var axis: String?
    var reluMax: Double?
    var min: Double?
    var max: Double?

    init(name: String, op: String, inputs: [String]) {
        (self.name, self.op, self.inputs) = (name, op, inputs)
    }

    init(json: JSONObject) throws {
        name = try json.required("name", as: .string)
        op = try json.required("op", as: .string)
        inputs = try json.required("inputs", as: .list(of: .string))
        outChannels = try json.optional("out_channels", as: .int)
        outFeatures = try json.optional("out_features", as: .int)
        kernel = try json.optional("kernel", as: .list(of: .int))
        stride = try json.optional("stride", as: .list(of: .int))
        pad = try json.optional("pad", as: .list(of: .int))
        relu = try json.optional("relu", as: .bool)
        kind = try json.optional("kind", as: .string)
        axis = try json.optional("axis", as: .string)
        reluMax = try json.optional("relu_max", as: .double)
        min = try json.optional("min", as: .double)
        max = try json.optional("max", as: .double)
    }
}

/// Builds the checked graph from node records: resolves input names, infers every
/// shape from the window's, and enforces the memory limits (Weights/FORMAT.md,
/// "What the loader checks"). Every error names the node.
struct GraphReader {
    /// The most floats one node may produce, or one convolution pad its input into.
    static let maximumNodeFloats = 1 << 24
    /// The most floats all nodes together may produce (before buffers are shared).
    static let maximumGraphFloats = 1 << 26
    static let maximumNodes = 4096
    static let knownOps = "conv2d, depthwise_conv2d, relu, clamp, affine, reduce, maxpool, global_avgpool, concat, add, dense, softmax, sigmoid"

    private(set) var nodes: [GraphNode]
    private var index: [String: Int] = [:]
    private var totalFloats = 0

    init(inputShape: Shape) {
        nodes = [GraphNode(name: "input", op: .input, inputs: [], shape: inputShape)]
        index["input"] = 0
        totalFloats = inputShape.count
    }

    func node(named name: String) -> Int? { index[name] }

    mutating func add(_ record: NodeRecord) throws {
        let here = "node \(nodes.count - 1) \"\(record.name)\" (\(record.op))"
        func fail(_ message: String) -> EngineError { .model("\(here) \(message)") }
        guard nodes.count <= GraphReader.maximumNodes else { throw fail("is one more than the \(GraphReader.maximumNodes) nodes allowed") }
        guard !record.name.isEmpty, record.name.utf8.count <= 256 else { throw fail("needs a name of 1...256 bytes") }
        guard index[record.name] == nil else { throw fail("reuses the name of an earlier node (names must be distinct; \"input\" is the window)") }
        var inputs: [Int] = []
        for name in record.inputs {
            guard let i = index[name] else {
                throw fail("has a dangling input \"\(name)\": no earlier node has that name (nodes must be in topological order, without cycles)")
            }
            inputs.append(i)
        }
        func arity(_ range: ClosedRange<Int>) throws {
            guard range.contains(inputs.count) else {
                let want = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "at least \(range.lowerBound)"
                throw fail("has \(inputs.count) inputs, expected \(want)")
            }
        }
        func need<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else { throw fail("has no \"\(field)\"") }
            return value
        }
        func inRange(_ value: Int, _ field: String, _ range: ClosedRange<Int>) throws -> Int {
            guard range.contains(value) else { throw fail("\(field) \(value) outside \(range.lowerBound)...\(range.upperBound)") }
            return value
        }
        func pair(_ values: [Int], _ field: String) throws -> (Int, Int) {
            guard values.count == 2 else { throw fail("\(field) has \(values.count) values, expected 2") }
            return (try inRange(values[0], "\(field) height", 1...65536), try inRange(values[1], "\(field) width", 1...65536))
        }

        /// A ReLU's upper bound: only with `relu`, positive and finite; infinity when absent.
        func cap(_ value: Double?, relu: Bool) throws -> Float {
            guard let value else { return .infinity }
            guard relu else { throw fail("has relu_max \(value) but no relu") }
            guard value > 0, value <= 1e30 else { throw fail("relu_max \(value) outside (0, 1e30]") }
            return Float(value)
        }

        let op: GraphNode.Op
        var shape: Shape
        if record.op != "concat" && record.op != "add" { try arity(1...1) }
        let x = inputs.first.map { nodes[$0].shape } ?? Shape(c: 0, h: 0, w: 0)
        switch record.op {
        case "conv2d", "depthwise_conv2d":
            let depthwise = record.op == "depthwise_conv2d"
            let cout = depthwise ? x.c : try inRange(try need(record.outChannels, "out_channels"), "out_channels", 1...65536)
            let (kh, kw) = try pair(try need(record.kernel, "kernel"), "kernel")
            let (sh, sw) = try record.stride.map { try pair($0, "stride") } ?? (1, 1)
            let pad = record.pad ?? [0, 0, 0, 0]
            guard pad.count == 4 else { throw fail("pad has \(pad.count) values, expected 4 (top, bottom, left, right)") }
            for p in pad { _ = try inRange(p, "pad", 0...4096) }
            if depthwise {
                // The kernels exist for MobileNet's shape only.
                guard kh == 3, kw == 3 else { throw fail("kernel [\(kh), \(kw)], expected [3, 3]") }
                guard sh == sw, sh <= 2 else { throw fail("stride [\(sh), \(sw)], expected [1, 1] or [2, 2]") }
                guard pad.allSatisfy({ $0 <= 2 }) else { throw fail("pad \(pad): each side must be 0...2 for a 3x3 kernel") }
            } else {
                _ = try inRange(sh, "stride height", 1...16)
                _ = try inRange(sw, "stride width", 1...16)
            }
            let relu = record.relu ?? false
            let reluMax = try cap(record.reluMax, relu: relu)
            let hp = x.h + pad[0] + pad[1], wp = x.w + pad[2] + pad[3]
            guard kh <= hp, kw <= wp else {
                throw fail("kernel [\(kh), \(kw)] does not fit the padded \(hp)x\(wp) map of input \(x)")
            }
            guard x.c * hp * wp <= GraphReader.maximumNodeFloats else {
                throw fail("pads its \(x) input to \(x.c * hp * wp) floats, more than the \(GraphReader.maximumNodeFloats) allowed")
            }
            // A strided convolution is computed at stride 1, then subsampled: that map must fit too.
            guard sh == 1 && sw == 1 || cout * (hp - kh + 1) * (wp - kw + 1) <= GraphReader.maximumNodeFloats else {
                throw fail("works on \(cout * (hp - kh + 1) * (wp - kw + 1)) floats, more than the \(GraphReader.maximumNodeFloats) allowed")
            }
            op = depthwise
                ? .depthwiseConv2d(kh: kh, kw: kw, stride: sh, pad: pad, relu: relu, reluMax: reluMax)
                : .conv2d(outChannels: cout, kh: kh, kw: kw, pad: pad, relu: relu, sh: sh, sw: sw, reluMax: reluMax)
            shape = Shape(c: cout, h: (hp - kh) / sh + 1, w: (wp - kw) / sw + 1)
        case "relu": op = .relu; shape = x
        case "clamp":
            let low = try need(record.min, "min"), high = try need(record.max, "max")
            guard low.isFinite, high.isFinite, low < high, Swift.abs(low) <= 1e30, Swift.abs(high) <= 1e30 else {
                throw fail("min \(low) / max \(high): need finite values with min < max")
            }
            op = .clamp(min: Float(low), max: Float(high))
            shape = x
        case "affine": op = .affine; shape = x
        case "sigmoid": op = .sigmoid; shape = x
        case "softmax": op = .softmax; shape = x
        case "reduce":
            guard let kind = GraphNode.ReduceKind(rawValue: try need(record.kind, "kind")) else {
                throw fail("kind \"\(record.kind!)\", expected \"max\" or \"mean\"")
            }
            guard let axis = GraphNode.Axis(rawValue: try need(record.axis, "axis")) else {
                throw fail("axis \"\(record.axis!)\", expected \"h\" or \"w\"")
            }
            op = .reduce(kind, axis)
            shape = axis == .h ? Shape(c: x.c, h: 1, w: x.w) : Shape(c: x.c, h: x.h, w: 1)
        case "maxpool":
            let (kh, kw) = try pair(try need(record.kernel, "kernel"), "kernel")
            let (sh, sw) = try record.stride.map { try pair($0, "stride") } ?? (kh, kw)
            guard kh <= x.h, kw <= x.w else { throw fail("kernel [\(kh), \(kw)] leaves nothing of a \(x.h)x\(x.w) map") }
            op = .maxpool(kh: kh, kw: kw, sh: sh, sw: sw)
            shape = Shape(c: x.c, h: (x.h - kh) / sh + 1, w: (x.w - kw) / sw + 1)
        case "global_avgpool": op = .globalAvgpool; shape = Shape(c: x.c, h: 1, w: 1)
        case "dense":
            let fout = try inRange(try need(record.outFeatures, "out_features"), "out_features", 1...65536)
            let relu = record.relu ?? false
            op = .dense(outFeatures: fout, relu: relu, reluMax: try cap(record.reluMax, relu: relu))
            shape = Shape(c: fout, h: 1, w: 1)
        case "concat":
            try arity(2...256)
            let axis = try need(record.axis, "axis")
            guard axis == "c" else { throw fail("axis \"\(axis)\": only \"c\" is supported") }
            let first = nodes[inputs[0]].shape
            var channels = 0
            for i in inputs {
                let s = nodes[i].shape
                guard s.h == first.h, s.w == first.w else {
                    throw fail("input \"\(nodes[i].name)\" is \(s), but \"\(nodes[inputs[0]].name)\" is \(first): concat along c needs the same height and width")
                }
                channels += s.c
            }
            op = .concat
            shape = Shape(c: channels, h: first.h, w: first.w)
        case "add":
            try arity(2...2)
            let (a, b) = (nodes[inputs[0]].shape, nodes[inputs[1]].shape)
            guard a == b else { throw fail("adds \"\(nodes[inputs[0]].name)\" \(a) and \"\(nodes[inputs[1]].name)\" \(b): shapes differ") }
            op = .add
            shape = a
        default:
            throw fail("has an unknown op (known: \(GraphReader.knownOps))")
        }
        guard shape.count <= GraphReader.maximumNodeFloats else {
            throw fail("would produce \(shape) = \(shape.count) floats, more than the \(GraphReader.maximumNodeFloats) allowed")
        }
        totalFloats += shape.count
        guard totalFloats <= GraphReader.maximumGraphFloats else {
            throw fail("brings the graph's activations to \(totalFloats) floats, more than the \(GraphReader.maximumGraphFloats) allowed")
        }
        index[record.name] = nodes.count
        nodes.append(GraphNode(name: record.name, op: op, inputs: inputs, shape: shape))
    }
}

import CDefaultModel

#if canImport(Glibc)
import Glibc
#endif

/// A parsed and fully checked model file (Weights/FORMAT.md), version 1, 2 or 3.
///
/// A version-3 file holds several networks (members) for one stream: the first is
/// this value's own frontend and graph (the primary, whose windows the stream is
/// labelled in), the others are `members`, and `fusion` says how their outputs
/// combine into the primary's genre output.
///
/// Loading either yields a model whose graph is consistent and whose every
/// tensor has the shape its node needs, or throws `EngineError.model` naming
/// the node or field, what was expected and what was found.
public struct ModelFile: Sendable {
    static let magic: [UInt8] = Array("GSTM".utf8)
    static let supportedVersion: UInt32 = 3
    static let alignment = 64

    public let name: String
    /// The file's format version (1 is read as the graph it describes).
    public let version: UInt32
    public let frontend: FrontendSettings
    /// The graph in evaluation order; node 0 is the window (`input`).
    public let nodes: [GraphNode]
    public let outputs: [ModelOutput]
    /// Tensor data by name, float32, row-major: every tensor but the int8 weights.
    public internal(set) var tensors: [String: [Float]]
    /// The weights stored as int8 (`dtype: "i8"`, a 1x1 conv2d's `NODE.weight`), by
    /// name, row-major: the value is `q * tensors["NODE.weight_scale"][o]`, o the
    /// output channel.
    public internal(set) var quantizedTensors: [String: [Int8]]
    let metadata: [String: String]
    /// The other networks of a fused model (version 3), each a model of its own
    /// named after its member; empty for a one-network file.
    public private(set) var members: [ModelFile]
    /// How the members' outputs make the genre output; nil for a one-network file.
    package internal(set) var fusion: FusionSpec?
    /// The primary member's name in a version-3 file; nil otherwise.
    public let memberName: String?

    /// The model without its weights (members' too): what is left to describe it once its
    /// networks hold their own (packed) copies, so that the file's are not resident as well.
    func withoutTensors() -> ModelFile {
        var copy = self
        copy.tensors = [:]
        copy.quantizedTensors = [:]
        copy.members = members.map { $0.withoutTensors() }
        return copy
    }

    /// The output named `name`, if the model has one.
    public func output(_ name: String) -> ModelOutput? { outputs.first { $0.name == name } }
    /// The genre output's labels, or none when the model has no `genre` output.
    public var labels: [String] { output(ModelOutput.genre)?.labels ?? [] }
    /// Multiply-adds x 2 of one window.
    public var flopsPerWindow: Int { nodes.reduce(0) { $0 + $1.flops(input: $1.inputs.first.map { nodes[$0].shape } ?? $1.shape) } }
    /// Weights the graph holds, int8 or float; an int8 weight's scales are part of its
    /// encoding, not counted.
    var parameterCount: Int {
        let floats = tensors.reduce(0) { $0 + ($1.key.hasSuffix(GraphNode.weightScaleSuffix) ? 0 : $1.value.count) }
        return quantizedTensors.values.reduce(floats) { $0 + $1.count }
    }
    /// Weights of every member together.
    public var fusedParameterCount: Int { members.reduce(parameterCount) { $0 + $1.parameterCount } }
    /// Bytes of tensor data as stored, every member together: 4 per float, 1 per int8 weight.
    public var fusedWeightBytes: Int {
        ([self] + members).reduce(0) { total, m in
            total + m.tensors.values.reduce(0) { $0 + 4 * $1.count } + m.quantizedTensors.values.reduce(0) { $0 + $1.count }
        }
    }
    /// Multiply-adds x 2 per primary window, every member together: each other member's
    /// windows counted at the rate its window grid gives them.
    public var fusedFlopsPerWindow: Double {
        members.reduce(Double(flopsPerWindow)) { total, m in
            total + Double(m.flopsPerWindow) * frontend.windowSeconds / m.frontend.seconds(frames: m.frontend.windowHopFrames)
        }
    }

    /// The models compiled into the binary (Weights/ at build time), by name.
    public enum BuiltIn: String, CaseIterable, Sendable {
        /// Weights/genre-fusion.gsm: musicnn's genre model with YAMNet's AudioSet
        /// knowledge beside it on the same stream (format version 3): the default.
        case fusion
        /// Weights/genre-musicnn.gsm: musicnn's MSD network with a genre head, its tags
        /// and embedding.
        case musicnn
        /// Weights/genre-cnn.gsm: the small CNN trained on GTZAN, for the weakest boards.
        case small

        public static let standard = BuiltIn.fusion

        var bytes: UnsafeRawBufferPointer {
            switch self {
            case .small: return UnsafeRawBufferPointer(start: gs_small_model_bytes(), count: gs_small_model_size())
            case .musicnn: return UnsafeRawBufferPointer(start: gs_musicnn_model_bytes(), count: gs_musicnn_model_size())
            case .fusion: return UnsafeRawBufferPointer(start: gs_fusion_model_bytes(), count: gs_fusion_model_size())
            }
        }
    }

    /// The default model compiled into the binary.
    public static func embedded() throws -> ModelFile { try embedded(.standard) }

    public static func embedded(_ model: BuiltIn) throws -> ModelFile {
        let bytes = model.bytes
        // The tensors are copies, so the embedded bytes are dropped from the resident
        // set once read: otherwise their pages would count for the whole run.
        defer { dropResidentPages(of: bytes) }
        return try ModelFile(bytes: bytes, source: "the built-in model \(model.rawValue)")
    }

    /// A built-in model's name, or a path to a model file.
    public static func load(nameOrPath: String) throws -> ModelFile {
        if let builtIn = BuiltIn(rawValue: nameOrPath) { return try embedded(builtIn) }
        return try load(path: nameOrPath)
    }

    public static func load(path: String) throws -> ModelFile {
        let bytes = try readWholeFile(path: path)
        return try bytes.withUnsafeBytes { try ModelFile(bytes: $0, source: path) }
    }

    public init(bytes: UnsafeRawBufferPointer, source: String) throws {
        func fail(_ message: String) -> EngineError { .model("\(source): \(message)") }
        guard bytes.count >= 16 else { throw fail("file is \(bytes.count) bytes, shorter than the 16-byte preamble") }
        guard Array(bytes[0..<4]) == ModelFile.magic else {
            throw fail("not a genre-stream model (magic \(Array(bytes[0..<4])), expected \"GSTM\")")
        }
        let version = bytes.uint32LE(at: 4)
        guard version <= ModelFile.supportedVersion else {
            throw fail("format version \(version) is newer than this engine's \(ModelFile.supportedVersion); upgrade genre-stream")
        }
        guard version >= 1 else { throw fail("format version 0 is not valid") }
        let headerLength = Int(bytes.uint32LE(at: 8))
        guard headerLength <= bytes.count - 16 else {
            throw fail("header length \(headerLength) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        let stored = bytes.uint32LE(at: 12)
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[16...]))
        guard stored == computed else {
            throw fail("checksum mismatch: file says \(hex(stored)), contents give \(hex(computed)) (corrupt or truncated)")
        }
        let header: ModelHeader
        do {
            header = try ModelHeader(json: UnsafeRawBufferPointer(rebasing: bytes[16..<(16 + headerLength)]),
                                     fileOffset: 16, version: version)
        } catch let error as JSONError {
            throw fail("header is not valid: \(error.message)")
        }
        let dataStart = (16 + headerLength + ModelFile.alignment - 1) / ModelFile.alignment * ModelFile.alignment
        var records: [String: ModelHeader.TensorRecord] = [:]
        for record in header.tensors {
            guard records[record.name] == nil else { throw fail("tensor \(record.name) is listed twice") }
            records[record.name] = record
        }
        var parts: [Graph] = []
        var end = dataStart
        for part in header.parts {
            let place = part.member.map { "member \"\($0)\": " } ?? ""
            do {
                parts.append(try ModelFile.graph(of: part, version: version))
            } catch let error as EngineError {
                guard case .model(let message) = error else { throw error }
                throw fail(place + message)
            }
            // Tensors of a member are named MEMBER/NODE.KIND in the file.
            let prefix = part.member.map { $0 + "/" } ?? ""
            let graph = parts[parts.count - 1]
            for node in graph.nodes {
                let input = node.inputs.first.map { graph.nodes[$0].shape } ?? node.shape
                for (name, shape) in node.tensorShapes(input: input) {
                    guard let record = records.removeValue(forKey: prefix + name) else {
                        throw fail("tensor \(prefix + name) \(shape) is missing")
                    }
                    let mayBeInt8 = name == node.name + ".weight" && node.allowsInt8Weight
                    guard record.dtype == "i8" else {
                        parts[parts.count - 1].tensors[name] = try ModelFile.tensor(record, shape: shape, bytes: bytes, dataStart: dataStart, end: &end,
                                                                                    expected: mayBeInt8 ? "f32 or i8" : "f32", fail: fail)
                        continue
                    }
                    guard mayBeInt8 else {
                        throw fail("tensor \(record.name) has dtype i8, expected f32 (only a 1x1 conv2d's weight may be i8)")
                    }
                    parts[parts.count - 1].quantized[name] = try ModelFile.int8Tensor(record, shape: shape, bytes: bytes, dataStart: dataStart, end: &end, fail: fail)
                    let scaleName = node.name + GraphNode.weightScaleSuffix
                    guard let scale = records.removeValue(forKey: prefix + scaleName) else {
                        throw fail("tensor \(prefix + scaleName) [\(shape[0])] is missing (\(record.name) is i8 and needs a scale per output channel)")
                    }
                    parts[parts.count - 1].tensors[scaleName] = try ModelFile.tensor(scale, shape: [shape[0]], bytes: bytes, dataStart: dataStart, end: &end,
                                                                                     expected: "f32", fail: fail)
                }
            }
        }
        if let extra = records.keys.sorted().first {
            if extra.hasSuffix(GraphNode.weightScaleSuffix) {
                throw fail("tensor \(extra) is not used: its weight is f32 (a scale goes only with an i8 weight; extra tensor)")
            }
            throw fail("tensor \(extra) is not used by any node (extra tensor)")
        }
        guard end == bytes.count else {
            throw fail("\(bytes.count - end) trailing bytes after the last tensor (expected the file to end at \(end))")
        }

        let name = header.name ?? "unnamed"
        let metadata = header.metadata ?? [:]
        let members = zip(header.parts, parts).dropFirst().map { part, graph in
            ModelFile(name: part.member!, version: version, frontend: part.frontend, graph: graph, metadata: [:])
        }
        self.init(name: name, version: version, frontend: header.parts[0].frontend, graph: parts[0], metadata: metadata,
                  members: members, memberName: header.parts[0].member)
        if let json = header.fusion {
            do {
                fusion = try FusionSpec(json: json, primary: self, members: members)
            } catch let error as JSONError {
                throw fail("header is not valid: \(error.message)")
            } catch let error as EngineError {
                guard case .model(let message) = error else { throw error }
                throw fail(message)
            }
        } else if version >= 3 && !members.isEmpty {
            throw fail("a model with \(members.count + 1) members needs a \"fusion\" object saying how they combine")
        }
    }

    /// One network's checked graph, outputs and (once read) tensors.
    struct Graph {
        var nodes: [GraphNode]
        var outputs: [ModelOutput]
        var tensors: [String: [Float]] = [:]
        var quantized: [String: [Int8]] = [:]
    }

    private init(name: String, version: UInt32, frontend: FrontendSettings, graph: Graph, metadata: [String: String],
                 members: [ModelFile] = [], memberName: String? = nil) {
        self.name = name
        self.version = version
        self.frontend = frontend
        self.nodes = graph.nodes
        self.outputs = graph.outputs
        self.tensors = graph.tensors
        self.quantizedTensors = graph.quantized
        self.metadata = metadata
        self.members = members
        self.memberName = memberName
        self.fusion = nil
    }

    /// Checks a network's frontend, graph and outputs; every error names the field or node.
    private static func graph(of part: ModelHeader.Part, version: UInt32) throws -> Graph {
        try part.frontend.validate()
        var records = part.nodes
        var outputRecords = part.outputs
        if version == 1 {
            let layers = try part.layers.enumerated().map { try $0.element.layer(index: $0.offset) }
            let labelCount = outputRecords[0].labels?.count ?? 0
            try ModelFile.checkChain(layers, frontend: part.frontend, labelCount: labelCount)
            records = Layer.graphNodes(layers)
            outputRecords[0].node = records.last?.name ?? ""
        }
        var reader = GraphReader(inputShape: Shape(c: 1, h: part.frontend.nMels, w: part.frontend.framesPerWindow))
        for record in records { try reader.add(record) }
        guard !outputRecords.isEmpty else { throw EngineError.model("the model has no outputs") }
        var outputs: [ModelOutput] = []
        for record in outputRecords {
            let here = "output \"\(record.name)\""
            guard !outputs.contains(where: { $0.name == record.name }) else { throw EngineError.model("\(here) is listed twice") }
            guard let node = reader.node(named: record.node), node > 0 else {
                throw EngineError.model("\(here) names node \"\(record.node)\", which the graph does not have")
            }
            if let labels = record.labels {
                guard !labels.isEmpty, Set(labels).count == labels.count else {
                    throw EngineError.model("\(here) labels must be a non-empty list of distinct names, found \(labels.prefix(12))")
                }
                let count = reader.nodes[node].shape.count
                guard labels.count == count else {
                    throw EngineError.model("\(here): node \"\(record.node)\" gives \(count) outputs, the model has \(labels.count) labels")
                }
            }
            outputs.append(ModelOutput(name: record.name, node: node, labels: record.labels))
        }
        return Graph(nodes: reader.nodes, outputs: outputs)
    }

    /// Reads one tensor's floats after checking its record against the shape its node needs.
    private static func tensor(_ record: ModelHeader.TensorRecord, shape: [Int], bytes: UnsafeRawBufferPointer, dataStart: Int,
                               end: inout Int, expected: String, fail: (String) -> EngineError) throws -> [Float] {
        guard record.dtype == "f32" else { throw fail("tensor \(record.name) has dtype \(record.dtype), expected \(expected)") }
        let (start, count) = try place(record, shape: shape, elementSize: 4, bytes: bytes, dataStart: dataStart, end: &end, fail: fail)
        return [Float](unsafeUninitializedCapacity: count) { floats, initialized in
            for i in 0..<count { floats[i] = Float(bitPattern: bytes.uint32LE(at: start + 4 * i)) }
            initialized = count
        }
    }

    /// Reads an i8 tensor's bytes after checking its record against the shape its node needs.
    private static func int8Tensor(_ record: ModelHeader.TensorRecord, shape: [Int], bytes: UnsafeRawBufferPointer, dataStart: Int,
                                   end: inout Int, fail: (String) -> EngineError) throws -> [Int8] {
        let (start, count) = try place(record, shape: shape, elementSize: 1, bytes: bytes, dataStart: dataStart, end: &end, fail: fail)
        return [Int8](unsafeUninitializedCapacity: count) { values, initialized in
            for i in 0..<count { values[i] = Int8(bitPattern: bytes[start + i]) }
            initialized = count
        }
    }

    /// Checks a tensor record's shape, alignment and extent; returns its first byte and value count.
    private static func place(_ record: ModelHeader.TensorRecord, shape: [Int], elementSize: Int, bytes: UnsafeRawBufferPointer,
                              dataStart: Int, end: inout Int, fail: (String) -> EngineError) throws -> (start: Int, count: Int) {
        let name = record.name
        guard record.shape == shape else {
            throw fail("tensor \(name) has shape \(record.shape), expected \(shape)")
        }
        guard record.offset >= 0, record.offset % ModelFile.alignment == 0 else {
            throw fail("tensor \(name) offset \(record.offset) is not a multiple of \(ModelFile.alignment)")
        }
        let count = shape.reduce(1, *), size = count * elementSize
        // Compared with the room left before adding: an offset near Int.max overflowed
        // `dataStart + offset` and trapped (a fuzzing finding, FuzzRegressionTests).
        guard record.offset <= bytes.count - dataStart, size <= bytes.count - dataStart - record.offset else {
            throw fail("tensor \(name) (\(size) bytes at \(dataStart) + \(record.offset)) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        let start = dataStart + record.offset
        end = max(end, start + size)
        return (start, count)
    }

    /// For version 1: checks that each layer accepts what the previous one
    /// produces and that the layers are in the order version 1 allows:
    /// convolutions and pools, one global average pool, dense layers, a final softmax.
    /// (The graph reader then checks the memory limits on the nodes they become.)
    private static func checkChain(_ layers: [Layer], frontend: FrontendSettings, labelCount: Int) throws {
        func fail(_ message: String) -> EngineError { .model(message) }
        guard labelCount > 0 else { throw fail("labels must be a non-empty list of distinct names, found []") }
        var channels = 1, height = frontend.nMels, width = frontend.framesPerWindow
        var features: Int? = nil
        for (index, layer) in layers.enumerated() {
            let here = "layer \(index)"
            switch layer {
            case let .conv3x3(name, cin, cout, _):
                guard features == nil else { throw fail("\(here) conv3x3 \(name) comes after global_avgpool") }
                guard cin == channels else { throw fail("\(here) conv3x3 \(name) expects \(cin) input channels, the previous layer gives \(channels)") }
                guard 9 * cin * height * width <= GraphReader.maximumNodeFloats, cout * height * width <= GraphReader.maximumNodeFloats else {
                    throw fail("\(here) conv3x3 \(name) on a \(cin)x\(height)x\(width) map giving \(cout) channels needs more than \(GraphReader.maximumNodeFloats) floats of working memory")
                }
                channels = cout
            case let .maxpool(kh, kw):
                guard features == nil else { throw fail("\(here) maxpool comes after global_avgpool") }
                guard height / kh >= 1, width / kw >= 1 else {
                    throw fail("\(here) maxpool [\(kh), \(kw)] leaves nothing of a \(height)x\(width) map")
                }
                height /= kh
                width /= kw
            case .globalAvgpool:
                guard features == nil else { throw fail("\(here) is a second global_avgpool") }
                features = channels
            case let .dense(name, fin, fout, _):
                guard let f = features else { throw fail("\(here) dense \(name) comes before global_avgpool") }
                guard fin == f else { throw fail("\(here) dense \(name) expects \(fin) inputs, the previous layer gives \(f)") }
                features = fout
            case .softmax:
                guard index == layers.count - 1 else { throw fail("\(here) softmax must be the last layer") }
            }
        }
        guard case .softmax? = layers.last else { throw fail("the last layer must be softmax") }
        guard let outputs = features else { throw fail("the layers have no global_avgpool") }
        guard outputs == labelCount else {
            throw fail("the network gives \(outputs) outputs, the model has \(labelCount) labels")
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

/// Unmaps the whole pages inside `bytes` from this process. For the executable's
/// read-only data that costs only a page fault on a later read, which gets the same
/// bytes back from the file (page cache); partial pages at either end are left alone.
private func dropResidentPages(of bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress else { return }
    let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
    let start = (UInt(bitPattern: base) + page - 1) / page * page
    let end = (UInt(bitPattern: base) + UInt(bytes.count)) / page * page
    guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(first, Int(end - start), MADV_DONTNEED)
}

/// Reads a whole regular file; the one place model files touch the file system.
func readWholeFile(path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw EngineError.model("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
        throw EngineError.model("\(path) is not a regular file")
    }
    var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { throw EngineError.model("cannot read \(path): \(n == 0 ? "file shrank while reading" : String(cString: strerror(errno)))") }
        done += n
    }
    return bytes
}

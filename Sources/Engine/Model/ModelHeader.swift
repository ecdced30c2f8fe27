/// The model file's JSON header, typed but not yet checked against the tensors.
struct ModelHeader {
    var name: String?
    var frontend: FrontendSettings
    /// Version 2's graph; for version 1, the graph its layer list describes.
    var nodes: [NodeRecord]
    /// Version 1's layers as read, checked by `ModelFile.checkChain`; empty for version 2.
    var layers: [LayerRecord]
    /// Output name, node name, labels.
    var outputs: [(name: String, node: String, labels: [String]?)]
    var tensors: [TensorRecord]
    var metadata: [String: String]?

    /// Where one tensor's data lies, as the header lists it.
    struct TensorRecord {
        var name: String
        var shape: [Int]
        var dtype: String
        var offset: Int
    }

    /// Parses `bytes` (the header, which starts at file offset `fileOffset`) as
    /// the given format version. Throws `JSONError` naming the byte or the field at fault.
    init(json bytes: UnsafeRawBufferPointer, fileOffset: Int, version: UInt32) throws {
        let root = try JSONObject(try JSONParser.parse(bytes, baseOffset: fileOffset), path: "")
        name = try root.optional("name", as: .string)
        frontend = try FrontendSettings(json: try root.object("frontend"), version: version)
        if version == 1 {
            layers = try root.objects("layers").map(LayerRecord.init(json:))
            nodes = []
            outputs = [(ModelOutput.genre, "", try root.required("labels", as: .list(of: .string)))]
        } else {
            layers = []
            nodes = try root.objects("nodes").map(NodeRecord.init(json:))
            outputs = try root.objects("outputs").map { o in
                (try o.required("name", as: .string), try o.required("node", as: .string),
                 try o.optional("labels", as: .list(of: .string)))
            }
        }
        tensors = try root.objects("tensors").map { tensor in
            TensorRecord(
                name: try tensor.required("name", as: .string),
                shape: try tensor.required("shape", as: .list(of: .int)),
                dtype: try tensor.required("dtype", as: .string),
                offset: try tensor.required("offset", as: .int))
        }
        metadata = try root.optional("metadata", as: .stringMap)
    }
}

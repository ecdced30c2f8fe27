/// The JSON header of a model file (Weights/FORMAT.md), read into typed records
/// whose values are not yet checked against each other: `ModelFile` does that.
struct ModelHeader {
    var name: String?
    var labels: [String]
    var frontend: FrontendSettings
    var layers: [LayerRecord]
    var tensors: [TensorRecord]
    var metadata: [String: String]?

    /// Where one tensor's data lies, as the header lists it.
    struct TensorRecord {
        var name: String
        var shape: [Int]
        var dtype: String
        var offset: Int
    }

    /// Parses `bytes` (the header, which starts at file offset `fileOffset`).
    /// Throws `JSONError` naming the byte or the field at fault.
    init(json bytes: UnsafeRawBufferPointer, fileOffset: Int) throws {
        let root = try JSONObject(try JSONParser.parse(bytes, baseOffset: fileOffset), path: "")
        name = try root.optional("name", as: .string)
        labels = try root.required("labels", as: .list(of: .string))
        frontend = try FrontendSettings(json: try root.object("frontend"))
        layers = try root.objects("layers").map(LayerRecord.init(json:))
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

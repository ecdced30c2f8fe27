/// The model file's JSON header, typed but not yet checked against the tensors.
struct ModelHeader {
    var name: String?
    /// The networks: one for versions 1 and 2, the members of a fused model for version 3.
    var parts: [Part]
    var fusion: JSONObject?
    var tensors: [TensorRecord]
    var metadata: [String: String]?

    /// One network's header: its frontend, graph and outputs.
    struct Part {
        /// The member's name (version 3); nil for a one-network file.
        var member: String?
        var frontend: FrontendSettings
        /// Version 2's graph; for version 1, the graph its layer list describes.
        var nodes: [NodeRecord]
        /// Version 1's layers as read, checked by `ModelFile.checkChain`; empty otherwise.
        var layers: [LayerRecord]
        /// Output name, node name, labels.
        var outputs: [(name: String, node: String, labels: [String]?)]

        init(json root: JSONObject, version: UInt32, member: String?) throws {
            self.member = member
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
        }
    }

    /// Where one tensor's data lies, as the header lists it.
    struct TensorRecord {
        var name: String
        var shape: [Int]
        var dtype: String
        var offset: Int
    }

    /// The most members a fused model may have.
    static let maximumMembers = 8

    /// Parses `bytes` (the header, which starts at file offset `fileOffset`) as
    /// the given format version. Throws `JSONError` naming the byte or the field at fault.
    init(json bytes: UnsafeRawBufferPointer, fileOffset: Int, version: UInt32) throws {
        let root = try JSONObject(try JSONParser.parse(bytes, baseOffset: fileOffset), path: "")
        name = try root.optional("name", as: .string)
        if version >= 3 {
            let members = try root.objects("members")
            guard (1...ModelHeader.maximumMembers).contains(members.count) else {
                throw JSONError(message: "field \"members\" has \(members.count) members, expected 1...\(ModelHeader.maximumMembers)")
            }
            var names = Set<String>()
            parts = try members.map { member in
                let name: String = try member.required("name", as: .string)
                guard !name.isEmpty, name.utf8.count <= 64, !name.contains("/") else {
                    throw JSONError(message: "field \"\(member.fieldPath("name"))\" is \"\(name)\", expected 1...64 bytes without \"/\"")
                }
                guard names.insert(name).inserted else {
                    throw JSONError(message: "field \"\(member.fieldPath("name"))\": member \"\(name)\" is listed twice")
                }
                return try Part(json: member, version: version, member: name)
            }
            fusion = try root.optionalObject("fusion")
        } else {
            parts = [try Part(json: root, version: version, member: nil)]
            fusion = nil
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

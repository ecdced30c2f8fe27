/// A JSON document, as `JSONParser` reads the model file's header.
///
/// The engine has its own rather than Foundation's `JSONDecoder`: for one small
/// header (Weights/FORMAT.md), decoding with it kept about 1 MB more of
/// libFoundationEssentials resident, and the Engine library now needs no Foundation.
/// (The executable still links that library through swift-argument-parser.)
enum JSONValue: Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(JSONNumber)
    case bool(Bool)
    case null

    /// What the value is, for error messages: one line, never the whole value.
    var summary: String {
        switch self {
        case .object: return "an object"
        case .array: return "a list"
        case .string: return "a string"
        case .number(let n): return "the number \(n.text)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }
}

/// A JSON number as written, and its value as the fields that read it need.
struct JSONNumber: Equatable {
    /// The literal, cut to 24 characters: for error messages.
    var text: String
    /// Always finite; the parser rejects literals beyond the range of `Double`.
    var double: Double
    /// Exact, or nil when the number is not an integer that fits in `Int`.
    var integer: Int?
}

/// The problem with a header, in one line: what the parser or a field reader found.
struct JSONError: Error {
    var message: String
}

/// How to read one field: the conversion, and what to call the expected type in errors.
struct JSONKind<T> {
    /// "an integer": what an error says the field must be.
    var expected: String
    /// "integers": what a list of them holds.
    var plural: String
    var convert: (JSONValue) -> T?
}

extension JSONKind where T == Int {
    static var int: Self { Self(expected: "an integer", plural: "integers") { if case .number(let n) = $0 { n.integer } else { nil } } }
}

extension JSONKind where T == Double {
    static var double: Self { Self(expected: "a number", plural: "numbers") { if case .number(let n) = $0 { n.double } else { nil } } }
}

extension JSONKind where T == String {
    static var string: Self { Self(expected: "a string", plural: "strings") { if case .string(let s) = $0 { s } else { nil } } }
}

extension JSONKind where T == Bool {
    static var bool: Self { Self(expected: "true or false", plural: "booleans") { if case .bool(let b) = $0 { b } else { nil } } }
}

extension JSONKind where T == JSONValue {
    /// Any value: the caller looks inside (a list of objects, say).
    static var any: Self { Self(expected: "a value", plural: "values") { $0 } }
}

extension JSONKind {
    /// A list whose every element is of `element`'s kind.
    static func list<E>(of element: JSONKind<E>) -> JSONKind<[E]> {
        JSONKind<[E]>(expected: "a list of \(element.plural)", plural: "lists") { value in
            guard case .array(let items) = value else { return nil }
            var out: [E] = []
            out.reserveCapacity(items.count)
            for item in items {
                guard let converted = element.convert(item) else { return nil }
                out.append(converted)
            }
            return out
        }
    }
}

extension JSONKind where T == [String: String] {
    /// An object whose every value is a string (the header's `metadata`).
    static var stringMap: Self {
        Self(expected: "an object of strings", plural: "objects") { value in
            guard case .object(let members) = value else { return nil }
            var out: [String: String] = [:]
            for (key, member) in members {
                guard case .string(let s) = member else { return nil }
                out[key] = s
            }
            return out
        }
    }
}

/// A JSON object read field by field. Unknown fields are ignored, so that a newer
/// exporter may add some; a missing or mistyped one is an error naming its full
/// path (`frontend.hop_length`, `layers[2].relu`).
struct JSONObject {
    /// Where this object sits in the document; empty for the top level.
    let path: String
    private let members: [String: JSONValue]

    init(_ value: JSONValue, path: String) throws {
        guard case .object(let members) = value else {
            throw JSONError(message: "\(path.isEmpty ? "the header" : "field \"\(path)\"") must be an object, found \(value.summary)")
        }
        self.path = path
        self.members = members
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The field's value, or nil when it is absent or `null` (as `Codable` treats an optional).
    func optional<T>(_ key: String, as kind: JSONKind<T>) throws -> T? {
        guard let value = members[key], value != .null else { return nil }
        guard let converted = kind.convert(value) else {
            throw JSONError(message: "field \"\(fieldPath(key))\" must be \(kind.expected), found \(value.summary)")
        }
        return converted
    }

    func required<T>(_ key: String, as kind: JSONKind<T>) throws -> T {
        guard let value = try optional(key, as: kind) else {
            throw JSONError(message: "missing field \"\(fieldPath(key))\"")
        }
        return value
    }

    /// A required field holding an object.
    func object(_ key: String) throws -> JSONObject {
        try JSONObject(try required(key, as: .any), path: fieldPath(key))
    }

    /// An optional field holding an object.
    func optionalObject(_ key: String) throws -> JSONObject? {
        guard let value = try optional(key, as: .any) else { return nil }
        return try JSONObject(value, path: fieldPath(key))
    }

    /// A required field holding a list of objects.
    func objects(_ key: String) throws -> [JSONObject] {
        let items = try required(key, as: .list(of: .any))
        return try items.enumerated().map { try JSONObject($0.element, path: "\(fieldPath(key))[\($0.offset)]") }
    }
}

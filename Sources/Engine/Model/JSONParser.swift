/// A strict JSON parser (RFC 8259) for the model file's header.
///
/// Model files come from anywhere (`--model`, Fuzz/ModelFuzzer), so every input
/// ends either in a value or in a `JSONError` naming the problem and the byte it
/// is at; nothing traps. Every read is bounds-checked, nesting is limited, and
/// numbers beyond `Double`'s range, strings that are not UTF-8, unpaired
/// surrogates, duplicate keys and trailing commas are errors, not guesses.
struct JSONParser {
    /// The header needs three levels; the limit keeps the recursion far from the
    /// stack's end, even in sanitized fuzzing builds.
    static let maximumDepth = 32

    private let bytes: UnsafeRawBufferPointer
    /// Added to positions in error messages, so that they are offsets in the file.
    private let baseOffset: Int
    private var position = 0

    /// Parses `bytes`, which must hold exactly one JSON value and optional white space.
    static func parse(_ bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes, baseOffset: baseOffset)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.error("\(parser.describeCurrent()) after the end of the JSON value")
        }
        return value
    }

    private init(bytes: UnsafeRawBufferPointer, baseOffset: Int) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    // MARK: Values

    private mutating func value(depth: Int) throws -> JSONValue {
        guard let c = current else { throw error("expected a value, found the end of the header") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        guard depth <= Self.maximumDepth else { throw error("objects and lists nested deeper than \(Self.maximumDepth) levels") }
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a quoted key, found \(describeCurrent())") }
            let keyStart = position
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after key \(Self.shown(key)), found \(describeCurrent())") }
            position += 1
            skipWhitespace()
            let member = try value(depth: depth)
            // A header that says two things about one field is broken, whichever a decoder would keep.
            guard members.updateValue(member, forKey: key) == nil else {
                throw error("duplicate key \(Self.shown(key))", at: keyStart)
            }
            if try reachedEnd(of: "}") { return .object(members) }
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        guard depth <= Self.maximumDepth else { throw error("objects and lists nested deeper than \(Self.maximumDepth) levels") }
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth))
            if try reachedEnd(of: "]") { return .array(items) }
        }
    }

    /// After a member or an item: true at the closing bracket, false at a comma.
    private mutating func reachedEnd(of closing: Unicode.Scalar) throws -> Bool {
        skipWhitespace()
        guard let c = current else { throw error("expected ',' or '\(closing)', found the end of the header") }
        switch c {
        case UInt8(ascii: ","): position += 1; return false
        case UInt8(ascii: closing): position += 1; return true
        default: throw error("expected ',' or '\(closing)', found \(describeCurrent())")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let expected = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count - position >= expected.count,
              bytes[position..<position + expected.count].elementsEqual(expected)
        else { throw error("expected a value, found \(describeCurrent())") }
        position += expected.count
    }

    // MARK: Numbers

    private mutating func number() throws -> JSONNumber {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard current.map(Self.isDigit) == true else { throw error("expected a digit in a number, found \(describeCurrent())") }
        if current == UInt8(ascii: "0") {
            position += 1
            if current.map(Self.isDigit) == true { throw error("number with a leading zero", at: start) }
        } else {
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard current.map(Self.isDigit) == true else { throw error("expected a digit after '.', found \(describeCurrent())") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard current.map(Self.isDigit) == true else { throw error("expected a digit in an exponent, found \(describeCurrent())") }
            skipDigits()
        }
        // The grammar above has been checked, so the standard library's parsers see
        // only JSON numbers (never "nan", "inf" or hexadecimal).
        let written = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        let text = written.count > 24 ? String(written.prefix(21)) + "..." : written
        guard let double = Double(written), double.isFinite else {
            throw error("number \(text) is beyond the range of a 64-bit float", at: start)
        }
        // An integer literal converts exactly (a Double would round above 2^53); 16.0 or
        // 1e3 counts as an integer when it is one, as it did for JSONDecoder.
        let integer = isInteger ? Int(written) : Int(exactly: double)
        return JSONNumber(text: text, double: double, integer: integer)
    }

    private static func isDigit(_ c: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }

    private mutating func skipDigits() {
        while let c = current, Self.isDigit(c) { position += 1 }
    }

    // MARK: Strings

    private mutating func string() throws -> String {
        let start = position
        position += 1
        var utf8: [UInt8] = []
        while let c = current {
            position += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw error("string is not valid UTF-8", at: start)
                }
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &utf8, stringStart: start)
            case 0..<0x20:
                throw error("unescaped control character \(Self.hex(c)) in a string", at: position - 1)
            default:
                utf8.append(c)
            }
        }
        throw error("unterminated string starting", at: start)
    }

    /// Reads the escape after a backslash and appends what it stands for as UTF-8.
    private mutating func escape(into utf8: inout [UInt8], stringStart: Int) throws {
        guard let c = current else { throw error("unterminated string starting", at: stringStart) }
        let escapeStart = position - 1
        position += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(c)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var code = try hex4(escapeStart: escapeStart)
            if (0xD800...0xDBFF).contains(code) {
                // A character outside the BMP is written as a UTF-16 surrogate pair.
                guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("unpaired UTF-16 surrogate in a \\u escape", at: escapeStart) }
                position += 2
                let low = try hex4(escapeStart: escapeStart)
                guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired UTF-16 surrogate in a \\u escape", at: escapeStart) }
                code = 0x10000 + (code - 0xD800) << 10 + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else {
                throw error("unpaired UTF-16 surrogate in a \\u escape", at: escapeStart)
            }
            UTF8.encode(scalar) { utf8.append($0) }
        default:
            throw error("invalid escape in a string: \(describe(c)) after a backslash", at: escapeStart)
        }
    }

    /// The four hex digits of a `\u` escape.
    private mutating func hex4(escapeStart: Int) throws -> UInt32 {
        guard bytes.count - position >= 4 else { throw error("\\u escape cut off by the end of the header", at: escapeStart) }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error("\\u escape needs four hex digits, found \(describe(c))", at: position)
            }
            code = code << 4 | UInt32(digit)
            position += 1
        }
        return code
    }

    // MARK: Reading and reporting

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
    }

    private func error(_ problem: String, at offset: Int? = nil) -> JSONError {
        JSONError(message: "\(problem) at byte \(baseOffset + (offset ?? position))")
    }

    private func describeCurrent() -> String {
        guard let c = current else { return "the end of the header" }
        return describe(c)
    }

    /// A byte as an error message shows it: printable ASCII quoted, anything else in hex,
    /// so that the message stays one readable line.
    private func describe(_ c: UInt8) -> String {
        (0x21...0x7E).contains(c) ? "'\(Character(Unicode.Scalar(c)))'" : Self.hex(c)
    }

    private static func hex(_ c: UInt8) -> String {
        let digits = String(c, radix: 16, uppercase: true)
        return "byte 0x" + (digits.count < 2 ? "0" : "") + digits
    }

    /// A key as an error message shows it: quoted, escaped, and cut short.
    static func shown(_ text: String) -> String {
        (text.count > 40 ? String(text.prefix(37)) + "..." : text).debugDescription
    }
}

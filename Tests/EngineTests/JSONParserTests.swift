import XCTest

@testable import Engine
@testable import Report

/// The model header's JSON parser: what it accepts, and that every malformed
/// input is one error line naming the problem and its byte, never a trap.
final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }

    private func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try JSONParser.parse($0, baseOffset: 16) }
    }

    private func assertRejects(_ bytes: [UInt8], mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(bytes), file: file, line: line) { error in
            guard let message = (error as? JSONError)?.message else {
                return XCTFail("expected a JSONError, got \(error)", file: file, line: line)
            }
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
            for word in words {
                XCTAssertTrue(message.contains(word), "'\(message)' should mention '\(word)'", file: file, line: line)
            }
        }
    }

    private func assertRejects(_ text: String, mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
        assertRejects(Array(text.utf8), mentions: words, file: file, line: line)
    }

    private func number(_ text: String) throws -> JSONNumber {
        guard case .number(let n) = try parse(text) else { throw JSONError(message: "\(text) is not a number") }
        return n
    }

    func testParsesEveryKindOfValue() throws {
        let value = try parse(#" { "a": [1, -2.5e1, true, false, null], "b": {"c": "d"}, "e": [], "f": {} } "#)
        guard case .object(let top) = value, case .array(let a)? = top["a"] else { return XCTFail("\(value)") }
        XCTAssertEqual(a.count, 5)
        XCTAssertEqual(a[2], .bool(true))
        XCTAssertEqual(a[4], .null)
        XCTAssertEqual(top["b"], .object(["c": .string("d")]))
        XCTAssertEqual(top["e"], .array([]))
        XCTAssertEqual(top["f"], .object([:]))
    }

    func testNumbers() throws {
        XCTAssertEqual(try number("0").integer, 0)
        XCTAssertEqual(try number("-0").integer, 0)
        XCTAssertEqual(try number("9223372036854775807").integer, Int.max, "integers convert exactly, beyond 2^53")
        XCTAssertEqual(try number("-9223372036854775808").integer, Int.min)
        XCTAssertNil(try number("9223372036854775808").integer, "beyond Int: a number, but no integer")
        XCTAssertEqual(try number("16.0").integer, 16, "an integral float counts, as it did for JSONDecoder")
        XCTAssertEqual(try number("1e3").integer, 1000)
        XCTAssertNil(try number("2.5").integer)
        XCTAssertEqual(try number("1e-10").double, 1e-10)
        XCTAssertEqual(try number("-2.5E+2").double, -250)
        XCTAssertEqual(try number("1e-400").double, 0, "underflow is zero")
        assertRejects("1e400", mentions: ["1e400", "range", "byte 16"])
        assertRejects("-1" + String(repeating: "0", count: 400), mentions: ["range", "..."])
        assertRejects("01", mentions: ["leading zero"])
        assertRejects("-", mentions: ["digit"])
        assertRejects("1.", mentions: ["digit after '.'"])
        assertRejects("1e", mentions: ["exponent"])
        assertRejects("+1", mentions: ["'+'"])
        assertRejects(".5", mentions: ["'.'"])
        assertRejects("NaN", mentions: ["'N'"])
        assertRejects("Infinity", mentions: ["'I'"])
        assertRejects("0x10", mentions: ["'x'", "after the end"])
    }

    func testStrings() throws {
        XCTAssertEqual(try parse(#""a\"\\\/\b\f\n\r\t""#), .string("a\"\\/\u{8}\u{C}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u20AC\ud83c\udfb5""#), .string("é€🎵"), "BMP escapes and a surrogate pair")
        XCTAssertEqual(try parse("\"é€🎵\""), .string("é€🎵"), "raw UTF-8")
        XCTAssertEqual(try parse(#""\u0000""#), .string("\u{0}"))
        assertRejects("\"abc", mentions: ["unterminated string", "byte 16"])
        assertRejects("\"abc\\", mentions: ["unterminated string"])
        assertRejects(#""\ud83c""#, mentions: ["surrogate"])
        assertRejects(#""\ud83c\u0041""#, mentions: ["surrogate"])
        assertRejects(#""\udfb5""#, mentions: ["surrogate"])
        assertRejects(#""\u12zz""#, mentions: ["four hex digits", "'z'"])
        assertRejects(#""\u12"#, mentions: ["cut off"])
        assertRejects(#""\x""#, mentions: ["'x'", "backslash"])
        assertRejects([0x22, 0x61, 0x0A, 0x22], mentions: ["control character", "0x0A", "byte 18"])
        assertRejects([0x22, 0xC3, 0x22], mentions: ["UTF-8"])
        assertRejects([0x22, 0xFF, 0xFE, 0x22], mentions: ["UTF-8"])
        assertRejects([0x22, 0xED, 0xA0, 0x80, 0x22], mentions: ["UTF-8"])  // an encoded surrogate
    }

    func testStructure() {
        assertRejects("", mentions: ["expected a value", "end of the header"])
        assertRejects("   ", mentions: ["end of the header"])
        assertRejects("{", mentions: ["quoted key"])
        assertRejects("[1, 2", mentions: ["','", "']'"])
        assertRejects("[1,]", mentions: ["expected a value", "']'"])
        assertRejects(#"{"a": 1,}"#, mentions: ["quoted key", "'}'"])
        assertRejects(#"{"a" 1}"#, mentions: ["':'", "\"a\""])
        assertRejects(#"{a: 1}"#, mentions: ["quoted key", "'a'"])
        assertRejects(#"{"a": 1, "a": 2}"#, mentions: ["duplicate key", "\"a\"", "byte 25"])
        assertRejects("{} {}", mentions: ["after the end"])
        assertRejects("tru", mentions: ["'t'"])
        assertRejects("nul", mentions: ["'n'"])
        assertRejects([0x7B, 0x00], mentions: ["0x00"])
        assertRejects([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], mentions: ["0xEF"])  // no byte-order mark
    }

    func testNestingIsLimited() throws {
        let ok = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        XCTAssertNoThrow(try parse(ok))
        let deep = String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        assertRejects(deep, mentions: ["nested deeper than \(JSONParser.maximumDepth)"])
        // Far beyond the limit: an error, not a stack overflow.
        assertRejects(String(repeating: #"{"a":"#, count: 100_000), mentions: ["nested deeper"])
        assertRejects(String(repeating: "[", count: 1_000_000), mentions: ["nested deeper"])
    }

    private func assertFieldError<T>(_ read: @autoclosure () throws -> T, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try read(), file: file, line: line) { error in
            XCTAssertEqual((error as? JSONError)?.message, expected, file: file, line: line)
        }
    }

    func testFieldErrorsNameTheirPath() throws {
        let root = try JSONObject(try parse(#"{"f": {"n": "x", "m": 2.5, "big": 1e300, "z": null}, "l": [{"k": [1, "2"]}]}"#), path: "")
        let f = try root.object("f")
        assertFieldError(try f.required("n", as: .int), #"field "f.n" must be an integer, found a string"#)
        assertFieldError(try f.required("m", as: .int), #"field "f.m" must be an integer, found the number 2.5"#)
        assertFieldError(try f.required("big", as: .int), #"field "f.big" must be an integer, found the number 1e300"#)
        assertFieldError(try f.required("gone", as: .int), #"missing field "f.gone""#)
        assertFieldError(try f.required("z", as: .string), #"missing field "f.z""#)
        XCTAssertNil(try f.optional("gone", as: .int))
        XCTAssertNil(try f.optional("z", as: .int), "null reads as absent, as Codable's optionals did")
        assertFieldError(try root.objects("l")[0].required("k", as: .list(of: .int)), #"field "l[0].k" must be a list of integers, found a list"#)
        assertFieldError(try root.object("l"), #"field "l" must be an object, found a list"#)
        assertFieldError(try JSONObject(.array([]), path: ""), "the header must be an object, found a list")
    }

    /// Random bytes and random cuts of a real header: every one is a value or an error.
    func testArbitraryBytesNeverTrap() throws {
        let header = try ModelFileEditing.fixtureHeader
        var rng = SeededRandom(seed: 1)
        for _ in 0..<2000 {
            var bytes = Array(header.prefix(Int.random(in: 0...header.count, using: &rng)))
            for _ in 0..<Int.random(in: 0...4, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? parse(bytes)
            _ = try? parse((0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }

    /// A broken header reaches the user as one model-error line with the file offset.
    func testModelFileReportsTheByte() throws {
        let fixture = try ModelFileEditing.fixtureBytes
        var bytes = fixture
        let comma = 16 + (try ModelFileEditing.fixtureHeader.firstIndex(of: UInt8(ascii: ","))!)
        bytes[comma] = UInt8(ascii: ";")
        bytes = ModelFileEditing.rechecksummed(bytes)
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try ModelFile(bytes: $0, source: "test.gsm") }) { error in
            XCTAssertEqual(error as? EngineError, .model("test.gsm: header is not valid: expected ',' or '}', found ';' at byte \(comma)"))
        }
    }
}


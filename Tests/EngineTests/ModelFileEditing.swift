import Foundation

@testable import Engine
@testable import Report

/// Makes malformed model files from a good one, for the loader's tests and the
/// binary's: each edit leaves everything else valid (a fresh checksum included),
/// so that one check at a time is exercised.
enum ModelFileEditing {
    /// The random-weights fixture the edits start from (format version 2).
    static var fixtureBytes: [UInt8] {
        get throws { [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fixture-random.gsm")))) }
    }

    /// The same model as a version-1 file (a layer list), as session 1's exporter wrote it.
    static var fixtureV1Bytes: [UInt8] {
        get throws { [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fixture-random-v1.gsm")))) }
    }

    /// The fixture's JSON header, as the exporter wrote it.
    static var fixtureHeader: [UInt8] {
        get throws {
            let bytes = try fixtureBytes
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            return Array(bytes[16..<(16 + headerLength)])
        }
    }

    /// Re-encodes `bytes` with its JSON header changed by `edit`, realigning the tensor
    /// data and writing a correct checksum; the format version is kept.
    static func withHeader(of bytes: [UInt8], _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let oldDataStart = (16 + headerLength + 63) / 64 * 64
        var header = try JSONSerialization.jsonObject(with: Data(bytes[16..<(16 + headerLength)])) as! [String: Any]
        edit(&header)
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        let dataStart = (16 + json.count + 63) / 64 * 64
        var body = json + [UInt8](repeating: 0, count: dataStart - 16 - json.count)
        body += bytes[oldDataStart...]
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        var out = Array("GSTM".utf8) + Array(bytes[4..<8]) + le32(UInt32(json.count)) + le32(crc)
        out += body
        return out
    }

    /// The fixture with its header changed by `edit`.
    static func withHeader(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        try withHeader(of: try fixtureBytes, edit)
    }

    /// `bytes` with the checksum field recomputed over what follows the preamble.
    static func rechecksummed(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        let crc = Array(bytes[16...]).withUnsafeBytes { CRC32.checksum($0) }
        out.replaceSubrange(12..<16, with: le32(crc))
        return out
    }

    /// Writes `bytes` to a fresh temporary file and returns its path.
    static func temporaryFile(_ bytes: [UInt8], name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gs-\(getpid())-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }

    private static func le32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
    }
}

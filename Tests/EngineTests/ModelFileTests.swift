import Foundation
import XCTest

@testable import Engine
@testable import Report

/// The loader accepts the exporter's files and rejects every malformed one with
/// a message that names what it expected and what it found.
final class ModelFileTests: XCTestCase {
    private var fixtureBytes: [UInt8] {
        get throws { try ModelFileEditing.fixtureBytes }
    }

    private func load(_ bytes: [UInt8]) throws -> ModelFile {
        try bytes.withUnsafeBytes { try ModelFile(bytes: $0, source: "test.gsm") }
    }

    private func assertModelError(_ bytes: [UInt8], mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(bytes), file: file, line: line) { error in
            guard case .model(let message)? = error as? EngineError else {
                return XCTFail("expected a model error, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(EngineError.model(message).exitCode, 78, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
            for word in words {
                XCTAssertTrue(message.contains(word), "'\(message)' should mention '\(word)'", file: file, line: line)
            }
        }
    }

    private func withHeader(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        try ModelFileEditing.withHeader(edit)
    }

    private func rechecksummed(_ bytes: [UInt8]) -> [UInt8] {
        ModelFileEditing.rechecksummed(bytes)
    }

    func testLoadsFixtureAndEmbeddedModel() throws {
        let model = try load(try fixtureBytes)
        XCTAssertEqual(model.labels.count, 10)
        XCTAssertEqual(model.frontend.hopLength, 1696)
        XCTAssertEqual(model.tensors["conv2.weight"]?.count, 6 * 4 * 9)
        let embedded = try ModelFile.embedded(.small)
        XCTAssertEqual(embedded.frontend.sampleRate, 22050)
        XCTAssertEqual(embedded.labels.last, "rock")
        XCTAssertEqual(try ModelFile.embedded().labels.suffix(3), ["rock", "speech", "other"], "the default: the fused model's genre output")
    }

    func testEmbeddedModelsAreWeights() throws {
        for (builtIn, file) in [(ModelFile.BuiltIn.small, "genre-cnn.gsm"), (.musicnn, "genre-musicnn.gsm"), (.fusion, "genre-fusion.gsm")] {
            let shipped = try ModelFile.load(path: Binary.repositoryRoot.appendingPathComponent("Weights/" + file).path)
            let embedded = try ModelFile.embedded(builtIn)
            XCTAssertEqual(embedded.name, shipped.name)
            XCTAssertEqual(embedded.nodes, shipped.nodes)
            XCTAssertEqual(embedded.outputs, shipped.outputs)
            XCTAssertEqual(embedded.tensors, shipped.tensors, "the binary carries \(file) from Weights/")
            XCTAssertEqual(embedded.members.map(\.tensors), shipped.members.map(\.tensors), "the binary carries \(file)'s members")
            XCTAssertEqual(embedded.members.map(\.quantizedTensors), shipped.members.map(\.quantizedTensors), "and their int8 weights")
        }
        XCTAssertEqual(try ModelFile.embedded().name, "genre-fusion")
        XCTAssertEqual(try ModelFile.embedded().members.map(\.name), ["yamnet"])
    }

    func testCRCMatchesZlibCheckValue() {
        // The standard CRC-32 check value of "123456789".
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }, 0xCBF4_3926)
    }

    /// The eight-bytes-a-step CRC against the textbook bit-at-a-time one, for every
    /// length around the step and every alignment.
    func testCRCMatchesBitwiseReference() {
        var random = SeededRandom(seed: 7)
        let bytes = (0..<80).map { _ in UInt8.random(in: 0...255, using: &random) }
        for start in 0..<8 {
            for end in start...bytes.count {
                var crc: UInt32 = 0xFFFF_FFFF
                for b in bytes[start..<end] {
                    crc ^= UInt32(b)
                    for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
                }
                let sliced = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                XCTAssertEqual(sliced, crc ^ 0xFFFF_FFFF, "bytes \(start)..<\(end)")
            }
        }
    }

    func testRejectsWrongMagicNewerVersionAndShortFile() throws {
        var bytes = try fixtureBytes
        bytes[0] = UInt8(ascii: "X")
        assertModelError(bytes, mentions: ["magic", "GSTM"])
        bytes = try fixtureBytes
        bytes[4] = 4
        assertModelError(bytes, mentions: ["version 4", "newer"])
        assertModelError(Array(try fixtureBytes.prefix(10)), mentions: ["10 bytes"])
    }

    func testRejectsTruncatedFileAndFlippedBit() throws {
        let bytes = try fixtureBytes
        assertModelError(Array(bytes.dropLast(100)), mentions: ["checksum"])
        var flipped = bytes
        flipped[bytes.count - 7] ^= 0x10
        assertModelError(flipped, mentions: ["checksum"])
        // A truncation with a recomputed checksum is caught by the tensor bounds.
        assertModelError(rechecksummed(Array(bytes.dropLast(8))), mentions: ["fc2.bias", "past the end"])
        assertModelError(rechecksummed(bytes + [0, 0, 0, 0]), mentions: ["trailing"])
    }

    func testRejectsMissingExtraAndMisShapedTensors() throws {
        assertModelError(try withHeader { h in
            var tensors = h["tensors"] as! [[String: Any]]
            tensors.removeAll { $0["name"] as? String == "conv2.bias" }
            h["tensors"] = tensors
        }, mentions: ["conv2.bias", "missing"])
        assertModelError(try withHeader { h in
            var tensors = h["tensors"] as! [[String: Any]]
            tensors[0]["shape"] = [4, 1, 5, 5]
            h["tensors"] = tensors
        }, mentions: ["conv1.weight", "[4, 1, 5, 5]", "[4, 1, 3, 3]"])
        assertModelError(try withHeader { h in
            var tensors = h["tensors"] as! [[String: Any]]
            var extra = tensors[1]
            extra["name"] = "conv9.bias"
            tensors.append(extra)
            h["tensors"] = tensors
        }, mentions: ["conv9.bias", "extra"])
    }

    func testRejectsInconsistentLayersAndFrontend() throws {
        func withV1Header(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
            try ModelFileEditing.withHeader(of: try ModelFileEditing.fixtureV1Bytes, edit)
        }
        assertModelError(try withV1Header { h in
            var layers = h["layers"] as! [[String: Any]]
            layers[2]["in_channels"] = 5
            h["layers"] = layers
        }, mentions: ["conv2", "5 input channels", "gives 4"])
        assertModelError(try withV1Header { h in
            var layers = h["layers"] as! [[String: Any]]
            layers[0]["op"] = "conv5x5"
            h["layers"] = layers
        }, mentions: ["conv5x5"])
        assertModelError(try withV1Header { h in
            h["labels"] = ["a", "b"]
        }, mentions: ["10 outputs", "2 labels"])
        assertModelError(try withHeader { h in
            var frontend = h["frontend"] as! [String: Any]
            frontend["fmax"] = 20000.0
            h["frontend"] = frontend
        }, mentions: ["fmax"])
        assertModelError(try withHeader { h in
            var frontend = h["frontend"] as! [String: Any]
            frontend.removeValue(forKey: "hop_length")
            h["frontend"] = frontend
        }, mentions: ["hop_length"])
    }
}

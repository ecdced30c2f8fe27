import Foundation
import XCTest

@testable import Engine
@testable import Report

/// Paths and small helpers shared by the test files.
enum Fixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Raw little-endian float32 values of a fixture file.
    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// The shared data folder beside the repository, or nil (a user's clone has none).
    static var sharedData: URL? {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let data = url.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: data.path) ? data : nil
    }

    static func requireSharedData() throws -> URL {
        guard let data = sharedData else {
            throw XCTSkip("needs ../shared/data (the project's data folder), which this checkout does not have")
        }
        return data
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

func assertClose(_ a: [Float], _ b: [Float], relative: Float, absolute: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length " + message, file: file, line: line)
    var worst: (Int, Float, Float)? = nil
    for i in 0..<min(a.count, b.count) {
        let tolerance = max(absolute, relative * max(abs(a[i]), abs(b[i])))
        if !(abs(a[i] - b[i]) <= tolerance) { worst = (i, a[i], b[i]); break }
    }
    if let (i, x, y) = worst {
        XCTFail("\(message) differs at \(i): \(x) vs \(y)", file: file, line: line)
    }
}

/// Every frame the frontend makes of `samples` fed in pieces of the given sizes (cycled),
/// frames concatenated; each piece must be used up (the frontend's streaming contract).
func frontendFrames(of samples: [Float], settings: FrontendSettings, chunks: [Int],
                    file: StaticString = #filePath, line: UInt = #line) throws -> [Float] {
    let frontend = try MelFrontend(settings: settings)
    var out: [Float] = [], position = 0, chunk = 0
    samples.withUnsafeBufferPointer { all in
        while position < all.count {
            let size = min(chunks[chunk % chunks.count], all.count - position)
            chunk += 1
            frontend.process(UnsafeBufferPointer(rebasing: all[position..<(position + size)])) { out += $0.bands }
            position += size
        }
    }
    return out
}

/// Runs a tool (sox, ffmpeg, ...) and returns its stdout and exit status; its stderr is dropped.
func toolOutput(_ executable: String, _ arguments: [String]) throws -> (bytes: [UInt8], status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (Array(data), process.terminationStatus)
}

extension Pipeline {
    /// The run's window results only, for tests that look at nothing else.
    func runWindows(_ source: AudioSource, onWindow: (WindowResult) throws -> Void) throws {
        try run(source) { event in
            if case .window(let result) = event.kind { try onWindow(result) }
        }
    }
}

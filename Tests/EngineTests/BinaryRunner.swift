import Foundation
import XCTest

/// Runs the built `genre-stream` binary as a user would: arguments, bytes on
/// stdin, environment; collects stdout, stderr and the exit status.
struct BinaryRun {
    var status: Int32
    var stdout: String
    /// Stderr without the note that a live input ended (`genre-stream: note: stdin: input
    /// ended after ...`), which every piped run without a summary on stderr ends with:
    /// the tests that count diagnostic lines count the others. `inputEndedNotes` counts it.
    var stderr: String
    var inputEndedNotes = 0

    init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        var kept: [Substring] = []
        for line in stderr.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains(": input ended after ") && line.contains("note: ") { inputEndedNotes += 1 } else { kept.append(line) }
        }
        self.stderr = kept.joined(separator: "\n")
    }
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

enum Binary {
    /// A child that exits before reading all its stdin must not kill the test
    /// process with SIGPIPE: the write fails with EPIPE instead.
    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    static var url: URL {
        if let path = ProcessInfo.processInfo.environment["GENRE_STREAM_TEST_BINARY"] { return URL(fileURLWithPath: path) }
        // The test bundle sits in the build products folder next to the executable.
        let products = Bundle.main.bundleURL
        let candidate = products.appendingPathComponent("genre-stream")
        if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/genre-stream")
    }

    /// With GENRE_STREAM_TEST_VALGRIND=1 (scripts/leak-check.sh) every run goes
    /// through valgrind's memcheck: a definite leak or a memory error makes the
    /// binary exit 99, which fails the test's exit-code assertion.
    static var underValgrind: Bool { ProcessInfo.processInfo.environment["GENRE_STREAM_TEST_VALGRIND"] == "1" }

    /// The program and arguments that run genre-stream with `arguments`.
    /// The tests of input handling, signals, formats and exit codes classify with the
    /// small model unless they name one: they test the engine around the model, their
    /// synthetic test signals are (rightly) not music to the default model, and the
    /// small model keeps them fast under valgrind. The default model's own end-to-end
    /// cases name it (`MusicnnTests`, `DefaultModelTests`).
    /// They also run without the end-of-input summary on stderr unless they name
    /// `--summary`: they count and read stderr's diagnostic lines (`SummaryTests`
    /// test the summary, after errors too).
    static func withModel(_ arguments: [String]) -> [String] {
        let subcommands: Set<String> = ["features", "bench", "models", "help"]
        if arguments.first.map(subcommands.contains) == true
            || arguments.contains(where: { $0 == "--help" || $0 == "-h" || $0 == "--version" }) {
            return arguments
        }
        let model = arguments.contains("--model") ? [] : ["--model", "small"]
        let summary = arguments.contains("--summary") ? [] : ["--summary", "off"]
        return model + summary + arguments
    }

    static func command(_ arguments: [String]) -> (executable: URL, arguments: [String]) {
        let arguments = withModel(arguments)
        guard underValgrind else { return (url, arguments) }
        return (URL(fileURLWithPath: "/usr/bin/valgrind"),
                ["--quiet", "--leak-check=full", "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
                 "--error-exitcode=99", url.path] + arguments)
    }

    /// Valgrind runs the binary tens of times slower.
    static var timeScale: Double { underValgrind ? 40 : 1 }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs to completion. `stdin` nil closes stdin at once. With `trickle`, the first
    /// `count` bytes of stdin are written `piece` bytes at a time with a short pause after
    /// each (a header arriving split across reads, as from a slow pipe) and the rest at
    /// once; nil writes everything at once.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
                    timeout: TimeInterval = 120, trickle: (count: Int, piece: Int)? = nil) throws -> BinaryRun {
        ignoreBrokenPipes()
        let process = Process()
        let (executable, fullArguments) = command(arguments)
        process.executableURL = executable
        process.arguments = fullArguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // stdout and stderr go to files: no pipe can fill up and stall the child.
        let directory = FileManager.default.temporaryDirectory
        let tag = UUID().uuidString
        let outURL = directory.appendingPathComponent("gs-out-\(tag)"), errURL = directory.appendingPathComponent("gs-err-\(tag)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let writer = Thread {
            if let stdin {
                var offset = stdin.startIndex
                if let trickle {
                    let slowEnd = min(stdin.startIndex + trickle.count, stdin.endIndex)
                    while offset < slowEnd {
                        let next = min(offset + trickle.piece, slowEnd)
                        guard (try? input.fileHandleForWriting.write(contentsOf: stdin[offset..<next])) != nil else { break }
                        offset = next
                        Thread.sleep(forTimeInterval: 0.005)
                    }
                }
                try? input.fileHandleForWriting.write(contentsOf: stdin[offset...])
            }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let deadline = Date().addingTimeInterval(timeout * timeScale)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            XCTFail("genre-stream \(arguments) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        return BinaryRun(status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// Test audio made in the test: a few harmonic tones with vibrato and noise,
/// loud enough not to count as silence.
enum TestAudio {
    /// 12 s each of what is not music and not silence, at `rate`: a 1 kHz tone, 50 Hz
    /// mains hum with four harmonics, and white noise at about -35 dBFS.
    static func nonMusic(rate: Int) -> [(name: String, samples: [Float])] {
        let n = 12 * rate
        var random = SeededRandom(seed: 4)
        let tone = (0..<n).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / Double(rate))) }
        let hum = (0..<n).map { i -> Float in
            let t = Double(i) / Double(rate)
            var sum = 0.0
            for h in 1...5 { sum += 0.15 / Double(h) * sin(2 * Double.pi * 50 * Double(h) * t) }
            return Float(sum)
        }
        let noise = (0..<n).map { _ in Float.random(in: -0.03...0.03, using: &random) }
        return [("1 kHz tone", tone), ("50 Hz hum", hum), ("white noise", noise)]
    }

    static func music(seconds: Double, rate: Int, channels: Int = 1, seed: UInt64 = 1) -> [Float] {
        var rng = SeededRandom(seed: seed)
        let count = Int(seconds * Double(rate))
        var out = [Float](repeating: 0, count: count * channels)
        let notes: [Double] = [220, 277.18, 329.63, 440]
        for i in 0..<count {
            let t = Double(i) / Double(rate)
            var v = 0.0
            for (n, f) in notes.enumerated() {
                let on = Int(t * 2 + Double(n)) % 3 != 0
                if on { v += 0.12 * sin(2 * .pi * f * t + 0.3 * sin(2 * .pi * 5 * t)) }
            }
            v += 0.02 * Double(Float.random(in: -1...1, using: &rng))
            for c in 0..<channels { out[i * channels + c] = Float(v) * (c == 0 ? 1 : 0.8) }
        }
        return out
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    /// A WAV header as arecord writes it to a pipe: sizes it cannot know are 0x7FFFFFFF.
    static func streamingWAVHeader(rate: Int, channels: Int, bits: Int, tag: Int = 1, size: UInt32 = 0x7FFF_FFFF) -> [UInt8] {
        let bytesPerFrame = channels * bits / 8
        var h = Array("RIFF".utf8) + le32(size) + Array("WAVE".utf8)
        h += Array("fmt ".utf8) + le32(16) + le16(tag) + le16(channels) + le32(UInt32(rate))
        h += le32(UInt32(rate * bytesPerFrame)) + le16(bytesPerFrame) + le16(bits)
        h += Array("data".utf8) + le32(size)
        return h
    }

    static func u8(_ samples: [Float]) -> [UInt8] {
        samples.map { UInt8(max(0, min(255, Int(($0 * 128).rounded()) + 128))) }
    }

    static func s16(_ samples: [Float]) -> [UInt8] {
        samples.flatMap { le16(Int(max(-32768, min(32767, ($0 * 32768).rounded())))) }
    }

    static func f32(_ samples: [Float]) -> [UInt8] {
        samples.flatMap { le32($0.bitPattern) }
    }
}

import Foundation
import XCTest

@testable import Engine
@testable import Report

/// A long stream at full speed through the default model: memory must not grow and
/// the output must not depend on how the bytes arrive. CI runs 10 minutes of audio; the hour is
/// `GENRE_STREAM_SOAK_SECONDS=3600 scripts/test.sh --filter SoakTests`.
final class SoakTests: XCTestCase {
    private var seconds: Int {
        Int(ProcessInfo.processInfo.environment["GENRE_STREAM_SOAK_SECONDS"] ?? "") ?? 600
    }

    private struct Soak {
        var output: String
        var rssAfterFirstMinuteKiB: Int
        var rssAtEndKiB: Int
        var status: Int32
    }

    private func residentKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
        }
        return -1
    }

    private func lineCount(_ url: URL) -> Int {
        ((try? Data(contentsOf: url)) ?? Data()).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }

    /// Waits until the child has written `lines` lines, i.e. has consumed what we sent.
    private func wait(for lines: Int, in url: URL, timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        while lineCount(url) < lines && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }

    private func soak(minute: [UInt8], minutes: Int, chunkSizes: () -> Int) throws -> Soak {
        Binary.ignoreBrokenPipes()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gs-soak-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = Binary.url
        process.arguments = ["--output", "jsonl", "-r", "22050"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let windowsPerMinute = 60.0 / (try ModelFile.embedded().frontend.windowSeconds)
        var rssAfterFirstMinute = -1, rssAtEnd = -1
        for m in 0..<minutes {
            var offset = 0
            while offset < minute.count {
                let size = min(chunkSizes(), minute.count - offset)
                try input.fileHandleForWriting.write(contentsOf: minute[offset..<(offset + size)])
                offset += size
            }
            if m == 0 {
                wait(for: Int(windowsPerMinute) - 1, in: out, timeout: 60)
                rssAfterFirstMinute = residentKiB(process.processIdentifier)
            }
        }
        wait(for: Int(windowsPerMinute * Double(minutes)) - 1, in: out, timeout: 600)
        rssAtEnd = residentKiB(process.processIdentifier)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return Soak(output: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                    rssAfterFirstMinuteKiB: rssAfterFirstMinute, rssAtEndKiB: rssAtEnd, status: process.terminationStatus)
    }

    func testLongStreamKeepsMemoryFlatAndOutputIndependentOfChunking() throws {
        let minutes = max(2, seconds / 60)
        // One minute of audio, sent again and again: a long stream without a long buffer.
        let minute = TestAudio.s16(TestAudio.music(seconds: 60, rate: 22050, seed: 3))
        let steady = try soak(minute: minute, minutes: minutes) { 4096 }
        XCTAssertEqual(steady.status, 0)
        let lines = steady.output.split(separator: "\n")
        // 22050 Hz audio, resampled to the model's rate: windows of frames_per_window hops,
        // the tail if it holds at least half a window. The resampler's filter tail can add
        // or remove a frame at the very end, hence the tolerance of one window.
        let f = try ModelFile.embedded().frontend
        let hops = minutes * 60 * f.sampleRate / f.hopLength
        XCTAssertEqual(Double(lines.count), Double(hops / f.framesPerWindow + (2 * (hops % f.framesPerWindow) >= f.framesPerWindow ? 1 : 0)), accuracy: 1)
        XCTAssertGreaterThan(steady.rssAfterFirstMinuteKiB, 0)
        let growth = steady.rssAtEndKiB - steady.rssAfterFirstMinuteKiB
        print("soak: \(minutes) min of audio; RSS after the first minute \(steady.rssAfterFirstMinuteKiB) KiB, "
              + "at the end \(steady.rssAtEndKiB) KiB (\(growth >= 0 ? "+" : "")\(growth) KiB)")
        XCTAssertLessThanOrEqual(abs(growth), 64, "RSS must not grow with the stream")

        var rng = SeededRandom(seed: 99)
        let ragged = try soak(minute: minute, minutes: minutes) { Int.random(in: 1...70_000, using: &rng) }
        XCTAssertEqual(ragged.status, 0)
        XCTAssertTrue(ragged.output == steady.output, "the same audio in other chunk sizes gives the same lines")
    }
}

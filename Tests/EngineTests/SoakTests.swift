import Foundation
import XCTest

/// A long stream at full speed: memory must not grow and the output must not
/// depend on how the bytes arrive. CI runs 10 minutes of audio; the hour is
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
        process.arguments = ["--output", "jsonl"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let windowsPerMinute = 60.0 / 2.9997
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
        // 22050 * 60 * minutes samples; windows of 39 hops of 1696 samples, the tail if >= half a window.
        let hops = minutes * 60 * 22050 / 1696
        XCTAssertEqual(lines.count, hops / 39 + (hops % 39 >= 20 ? 1 : 0))
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

import XCTest
import Foundation
@testable import Engine
@testable import Report

/// The stall watchdog: a live input that stays open and sends nothing.
final class StallTests: XCTestCase {
    override func setUp() {
        signal(SIGPIPE, SIG_IGN)
        StopRequest.reset()
    }

    override func tearDown() {
        StopRequest.reset()
    }

    /// One .stalled per episode however long it lasts, .resumed when bytes come, and the
    /// episode counted once for the pipeline.
    func testSilentPipeStallsOnceThenResumes() throws {
        let pipe = try OpenPipe()
        defer { pipe.close() }
        pipe.writeOpening()
        pipe.write(samples: [100, 200])
        var events: [StallEvent] = []
        let watch = StallWatch(timeout: 0.3, onEvent: { events.append($0) })
        let source = try StdinSource(fileDescriptor: pipe.readEnd, raw: StdinFeed.s16Mono, stallWatch: watch)
        try source.readOpening()
        XCTAssertEqual(try source.readSamples(), [100, 200].map { Float($0) / 32768 })

        // Nothing for about 1.2 s: four timeouts' worth, still one episode.
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.2) { pipe.write(samples: [300]) }
        let started = Date()
        XCTAssertEqual(try source.readSamples(), [Float(300) / 32768])
        let waited = Date().timeIntervalSince(started)
        XCTAssertEqual(events.count, 2, "\(events)")
        guard events.count == 2, case .stalled(let silent) = events[0], case .resumed(let gap) = events[1] else {
            return XCTFail("expected .stalled then .resumed, got \(events)")
        }
        XCTAssertGreaterThanOrEqual(silent, 0.3)
        XCTAssertLessThan(silent, 0.6, "reported within a poll slice of the timeout")
        XCTAssertEqual(gap, waited, accuracy: 0.15)
        XCTAssertEqual(watch.stallCount, 1)

        // A second silence is a second episode.
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.6) { pipe.write(samples: [400]) }
        XCTAssertEqual(try source.readSamples(), [Float(400) / 32768])
        XCTAssertEqual(events.count, 4)
        XCTAssertEqual(watch.stallCount, 2)
    }

    func testExitOnStallThrowsTheStallError() throws {
        let pipe = try OpenPipe()
        defer { pipe.close() }
        pipe.writeOpening()
        pipe.write(samples: [1, 2])
        var events: [StallEvent] = []
        let watch = StallWatch(timeout: 0.3, exitOnStall: true, onEvent: { events.append($0) })
        let source = try StdinSource(fileDescriptor: pipe.readEnd, raw: StdinFeed.s16Mono, stallWatch: watch)
        try source.readOpening()
        XCTAssertEqual(try source.readSamples().count, 2)
        let started = Date()
        XCTAssertThrowsError(try source.readSamples()) { error in
            guard case EngineError.stalled(let message) = error else { return XCTFail("expected .stalled, got \(error)") }
            XCTAssertTrue(message.hasPrefix("stdin: no audio for 0."), message)
            XCTAssertFalse(message.contains("\n"))
            XCTAssertEqual((error as? EngineError)?.exitCode, 75)
            XCTAssertTrue("\(error)".hasPrefix("input stalled: stdin: no audio"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
        // Told once, before the throw, so that every consumer counts the stall that ended
        // the run the same way (the stderr sink leaves the words to the error).
        XCTAssertEqual(events.count, 1, "\(events)")
        if case .stalled = events.first {} else { XCTFail("expected .stalled, got \(events)") }
    }

    /// `arecord | genre-stream` with arecord stuck before its header: the header read
    /// (inside init) is watched too.
    func testStallBeforeTheHeaderIsWatched() throws {
        let pipe = try OpenPipe()
        defer { pipe.close() }
        let watch = StallWatch(timeout: 0.3, exitOnStall: true, onEvent: { _ in })
        XCTAssertThrowsError(try StdinSource(fileDescriptor: pipe.readEnd, raw: StdinFeed.s16Mono, stallWatch: watch)) { error in
            XCTAssertEqual((error as? EngineError)?.exitCode, 75, "\(error)")
        }
    }

    func testStopRequestStillEndsAStalledRead() throws {
        let pipe = try OpenPipe()
        defer { pipe.close() }
        // The header sniffing waits for the opening.
        pipe.writeOpening()
        pipe.write(samples: [5, 6])
        var events: [StallEvent] = []
        let source = try StdinSource(fileDescriptor: pipe.readEnd, raw: StdinFeed.s16Mono,
                                     stallWatch: StallWatch(timeout: 0.2, onEvent: { events.append($0) }))
        try source.readOpening()
        XCTAssertEqual(try source.readSamples().count, 2)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.7) { StopRequest.set(signal: SIGTERM) }
        let started = Date()
        XCTAssertEqual(try source.readSamples(), [])
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertEqual(events.count, 1, "stalled before the stop, never resumed: \(events)")
    }

    func testRegularFileNeverStalls() throws {
        let path = NSTemporaryDirectory() + "gs-stall-\(getpid()).raw"
        let values: [Int16] = (0..<5000).map { Int16(truncatingIfNeeded: $0 * 7) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } })))
        defer { unlink(path) }
        let file = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(file, 0)
        defer { close(file) }
        var events: [StallEvent] = []
        // A zero timeout would report a stall on the first empty wait of any watched input.
        let watch = StallWatch(timeout: 0, exitOnStall: true, onEvent: { events.append($0) })
        let source = try StdinSource(fileDescriptor: file, raw: StdinFeed.s16Mono, bufferCapacity: 512, stallWatch: watch)
        XCTAssertFalse(source.watchesForStalls)
        var total = 0
        while case let n = try source.readSamples().count, n > 0 { total += n }
        XCTAssertEqual(total, values.count)
        XCTAssertEqual(events, [])
        XCTAssertEqual(watch.stallCount, 0)
    }

    func testPipeIsWatched() throws {
        let pipe = try OpenPipe()
        defer { pipe.close() }
        pipe.writeOpening()
        let source = try StdinSource(fileDescriptor: pipe.readEnd, raw: StdinFeed.s16Mono,
                                     stallWatch: StallWatch(timeout: 30, onEvent: { _ in }))
        XCTAssertTrue(source.watchesForStalls)
    }

    /// A stall reaches the pipeline's caller as an event while the read waits, and the
    /// resumption just before the next window (not when the bytes come: they may only end
    /// the stream); the run ends with `.ended`.
    func testStallsReachThePipelinesCallerAsEvents() throws {
        let pipe = try OpenPipe()
        // Less than a pipe holds (64 KiB): nothing reads it until the run starts.
        pipe.write(samples: Array(repeating: 1000, count: 20000))
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.7) {
            pipe.write(samples: (0..<100000).map { Int16(truncatingIfNeeded: ($0 * 7919) % 20000 - 10000) })
            pipe.closeWriter()
        }
        defer { pipe.close() }
        let source = try StdinSource(fileDescriptor: pipe.readEnd, raw: StdinFeed.s16Mono, stallWatch: StallWatch(timeout: 0.3))
        let pipeline = try Pipeline(model: ModelFile.load(path: Fixtures.path("fixture-random.gsm")),
                                    settings: PipelineSettings(hopFrames: 39))
        var kinds: [String] = []
        try pipeline.run(source) { event in
            switch event.kind {
            case .window: kinds.append("window")
            case .stalled(_, let endsRun): kinds.append(endsRun ? "stalled, ending" : "stalled")
            case .resumed(let seconds): kinds.append("resumed"); XCTAssertGreaterThanOrEqual(seconds, 0.3)
            case .notice(let notice): kinds.append("notice: \(notice.message)")
            case .ended(let end): kinds.append("ended"); XCTAssertFalse(end.stoppedBySignal)
            }
        }
        let stalled = try XCTUnwrap(kinds.firstIndex(of: "stalled"), "\(kinds)")
        let resumed = try XCTUnwrap(kinds.firstIndex(of: "resumed"), "\(kinds)")
        XCTAssertLessThan(stalled, resumed)
        XCTAssertEqual(kinds[resumed + 1], "window", "\(kinds)")
        XCTAssertEqual(kinds.filter { $0 == "stalled" }.count, 1, "\(kinds)")
        XCTAssertEqual(kinds.last, "ended")
        XCTAssertNil(source.stallWatch?.onEvent, "the run's route is taken down at its end")
    }

    func testWatchCountsEpisodesOnItsClock() throws {
        var now = 100.0
        var events: [StallEvent] = []
        let watch = StallWatch(timeout: 30, exitOnStall: false, clock: { now }, onEvent: { events.append($0) })
        try watch.waited(for: "x")  // starts the clock
        now = 129.9
        try watch.waited(for: "x")
        XCTAssertEqual(events, [])
        now = 130.0
        try watch.waited(for: "x")
        now = 200
        try watch.waited(for: "x")
        XCTAssertEqual(events, [.stalled(secondsWithoutAudio: 30)])
        now = 201
        try watch.heard()
        XCTAssertEqual(events.last, .resumed(secondsStalled: 101))
        now = 220
        try watch.waited(for: "x")
        try watch.heard()
        XCTAssertEqual(events.count, 2, "19 s is no stall")
        XCTAssertEqual(watch.stallCount, 1)
        now = 260
        try watch.waited(for: "x")
        XCTAssertEqual(watch.stallCount, 2)
    }
}

/// A pipe whose write end the test keeps open, writing when it chooses.
private final class OpenPipe: @unchecked Sendable {
    let readEnd: Int32
    private var writeEnd: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw EngineError.internalFault("pipe failed") }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    /// Silent S16_LE samples enough for the header sniffing to decide on raw PCM
    /// (`CompressedContainer.resyncLookBytes`); read them with `readOpening`.
    static let openingSamples = CompressedContainer.resyncLookBytes / 2

    func writeOpening() {
        write(samples: [Int16](repeating: 0, count: Self.openingSamples))
    }

    /// S16_LE samples; small enough never to block on the pipe's capacity.
    func write(samples: [Int16]) {
        let bytes = samples.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        bytes.withUnsafeBytes { _ = Glibc.write(writeEnd, $0.baseAddress, $0.count) }
    }

    func closeWriter() {
        if writeEnd >= 0 { Glibc.close(writeEnd) }
        writeEnd = -1
    }

    func close() {
        closeWriter()
        Glibc.close(readEnd)
    }
}

private extension StdinSource {
    /// One read of up to 4096 samples.
    /// The pipe's opening (`OpenPipe.writeOpening`), exactly.
    func readOpening() throws {
        var left = OpenPipe.openingSamples
        var buffer = [Float](repeating: .nan, count: left)
        while left > 0 {
            let n = try buffer.withUnsafeMutableBufferPointer { try read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<left])) }
            XCTAssertGreaterThan(n, 0)
            if n == 0 { return }
            left -= n
        }
    }

    func readSamples() throws -> [Float] {
        var buffer = [Float](repeating: .nan, count: 4096)
        let n = try buffer.withUnsafeMutableBufferPointer { try read(into: $0) }
        return Array(buffer[0..<n])
    }
}

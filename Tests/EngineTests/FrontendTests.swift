import Foundation
import XCTest

@testable import Engine
@testable import Report

/// The frontend against librosa (fixtures from scripts/make_frontend_fixture.py,
/// 6 s of a real jazz recording) and against itself fed in other chunk sizes.
final class FrontendTests: XCTestCase {
    private let settings = try! ModelFile.load(path: Fixtures.path("fixture-random.gsm")).frontend

    private func frames(of samples: [Float], chunks: [Int]) throws -> [Float] {
        try frontendFrames(of: samples, settings: settings, chunks: chunks)
    }

    func testMelFilterbankEqualsLibrosa() throws {
        let expected = try Fixtures.floats("frontend-melfb.f32")
        let bank = MelFilterbank(sampleRate: 22050, nFFT: 2048, nMels: 128, fmin: 0, fmax: 11025)
        let dense = bank.dense().flatMap { $0 }
        XCTAssertEqual(dense.count, expected.count)
        let peak = expected.max()!
        for i in 0..<dense.count {
            XCTAssertEqual(dense[i], expected[i], accuracy: peak * 1e-5, "filter \(i / 1025) bin \(i % 1025)")
        }
    }

    func testFramesEqualLibrosaWithin005dB() throws {
        let samples = try Fixtures.floats("frontend-input.f32")
        let expected = try Fixtures.floats("frontend-librosa-db.f32")  // [frames][128]
        let ours = try frames(of: samples, chunks: [samples.count])
        XCTAssertEqual(ours.count, expected.count, "frame count (librosa center=False)")
        var compared = 0, worst: Float = 0
        for i in 0..<min(ours.count, expected.count) where expected[i] > -60 {
            worst = max(worst, abs(ours[i] - expected[i]))
            compared += 1
        }
        XCTAssertGreaterThan(compared, expected.count / 2, "most values are above -60 dB in real music")
        XCTAssertLessThanOrEqual(worst, 0.05, "largest difference from librosa over \(compared) values above -60 dB")
    }

    func testRandomChunkSizesGiveBitIdenticalFrames() throws {
        let samples = try Fixtures.floats("frontend-input.f32")
        let reference = try frames(of: samples, chunks: [samples.count])
        var rng = SeededRandom(seed: 42)
        for trial in 0..<3 {
            let chunks = (0..<50).map { _ in Int.random(in: 1...5000, using: &rng) }
            let chunked = try frames(of: samples, chunks: chunks)
            XCTAssertEqual(chunked.count, reference.count)
            XCTAssertTrue(chunked.elementsEqual(reference) { $0.bitPattern == $1.bitPattern }, "trial \(trial)")
        }
        XCTAssertTrue(try frames(of: samples, chunks: [1, 2, 3]).elementsEqual(reference) { $0.bitPattern == $1.bitPattern })
    }

    func testFlushCompletesOnlyFramesWhoseHopIsInTheInput() throws {
        let frontend = try MelFrontend(settings: settings)
        // 3 hops + 100 samples: frames 0..2 have their hop, frame 3 does not.
        let samples = [Float](repeating: 0.1, count: 3 * 1696 + 100)
        var count = 0
        samples.withUnsafeBufferPointer { all in frontend.process(all) { _ in count += 1 } }
        XCTAssertEqual(count, 2, "2048 + 1696 samples complete two frames")
        frontend.finish { _ in count += 1 }
        XCTAssertEqual(count, 3)
        XCTAssertEqual(frontend.framesProduced, 3)
    }
}

final class WindowAssemblerTests: XCTestCase {
    private let settings = try! ModelFile.load(path: Fixtures.path("fixture-random.gsm")).frontend

    /// What a test keeps of a window: the input pointer is valid only during `emit`.
    struct Seen {
        var firstFrame: Int, frameCount: Int, isPartial: Bool, levelDBFS: Double, levelSpreadDB: Double
        var startSeconds: Double, endSeconds: Double, newSeconds: Double
        var input: [Float]

        init(_ w: WindowAssembler.Window) {
            firstFrame = w.firstFrame; frameCount = w.frameCount; isPartial = w.isPartial
            levelDBFS = w.levelDBFS; levelSpreadDB = w.levelSpreadDB
            startSeconds = w.startSeconds; endSeconds = w.endSeconds; newSeconds = w.newSeconds
            input = Array(w.input)
        }
    }

    private func add(_ assembler: WindowAssembler, _ frame: [Float], hopMeanSquare: Double, index: Int = 0) -> [Seen] {
        var seen: [Seen] = []
        frame.withUnsafeBufferPointer { bands in
            assembler.process(MelFrontend.Frame(bands: bands, hopMeanSquare: hopMeanSquare, index: index)) { seen.append(Seen($0)) }
        }
        return seen
    }

    private func feed(_ assembler: WindowAssembler, frames: Int, hopMeanSquare: (Int) -> Double = { _ in 0.01 },
                      value: (Int) -> Float) -> [Seen] {
        (0..<frames).flatMap { t in
            add(assembler, [Float](repeating: value(t), count: settings.nMels), hopMeanSquare: hopMeanSquare(t), index: t)
        }
    }

    private func finish(_ assembler: WindowAssembler) -> Seen? {
        var seen: Seen? = nil
        assembler.finish { seen = Seen($0) }
        return seen
    }

    func testConsecutiveWindowsAndPartialTail() {
        let assembler = WindowAssembler(settings: settings, hopFrames: 39)
        let windows = feed(assembler, frames: 39 * 3 + 25) { Float($0) }
        XCTAssertEqual(windows.map(\.firstFrame), [0, 39, 78])
        XCTAssertEqual(assembler.melWindow[38], 116, "last column of window 3 is frame 116")
        let tail = finish(assembler)
        XCTAssertEqual(tail?.firstFrame, 117)
        XCTAssertEqual(tail?.frameCount, 25)
        XCTAssertEqual(tail?.isPartial, true)
        // Padded by looping its own frames: column 25 repeats column 0.
        XCTAssertEqual(assembler.melWindow[25], assembler.melWindow[0])
        XCTAssertEqual(assembler.melWindow[0], 117)
        XCTAssertEqual(tail!.levelDBFS, -20, accuracy: 1e-9)
    }

    func testShortTailIsDropped() {
        let assembler = WindowAssembler(settings: settings, hopFrames: 39)
        _ = feed(assembler, frames: 39 + 19) { Float($0) }
        XCTAssertNil(finish(assembler), "19 of 39 frames is less than half a window")
    }

    func testOverlappingWindowsReuseFrames() {
        let assembler = WindowAssembler(settings: settings, hopFrames: 13)
        let windows = feed(assembler, frames: 39 + 13 * 4) { Float($0) }
        XCTAssertEqual(windows.map(\.firstFrame), [0, 13, 26, 39, 52])
        XCTAssertEqual(assembler.melWindow[0], 52)
        XCTAssertEqual(assembler.melWindow[38], 90)
    }

    func testOverlappingWindowsEmitAPartialOnlyForAudioNoWindowCovered() {
        // Hop 13 frames: windows end at 39, 52, 65. 8 more frames (73): the tail
        // window starting at 39 holds 34 frames, 8 of them new: emitted, 8 frames of new audio.
        let assembler = WindowAssembler(settings: settings, hopFrames: 13)
        let windows = feed(assembler, frames: 73) { Float($0) }
        XCTAssertEqual(windows.map { $0.firstFrame + $0.frameCount }, [39, 52, 65])
        let tail = finish(assembler)
        XCTAssertEqual(tail?.firstFrame, 39)
        XCTAssertEqual(tail?.frameCount, 34)
        XCTAssertEqual(tail!.newSeconds, assembler.seconds(frames: 8), accuracy: 1e-12)
        XCTAssertEqual(tail!.endSeconds, assembler.seconds(frames: 73), accuracy: 1e-12)
        // Exactly at a window's end (65 frames): the next window would start at 39 and
        // add nothing after frame 65, so no partial window repeats the last end time.
        let exact = WindowAssembler(settings: settings, hopFrames: 13)
        _ = feed(exact, frames: 65) { Float($0) }
        XCTAssertNil(finish(exact), "no partial window without new audio")
    }

    func testWindowTimesAndNewAudio() {
        let assembler = WindowAssembler(settings: settings, hopFrames: 13)
        let windows = feed(assembler, frames: 39 + 13) { Float($0) }
        XCTAssertEqual(windows.count, 2)
        XCTAssertEqual(windows[0].startSeconds, 0)
        XCTAssertEqual(windows[0].endSeconds, assembler.seconds(frames: 39), accuracy: 1e-12)
        XCTAssertEqual(windows[0].newSeconds, assembler.seconds(frames: 39), accuracy: 1e-12, "the first window is all new")
        XCTAssertEqual(windows[1].startSeconds, assembler.seconds(frames: 13), accuracy: 1e-12)
        XCTAssertEqual(windows[1].newSeconds, assembler.seconds(frames: 13), accuracy: 1e-12, "an overlapping window adds its hop")
    }

    func testLevelSpreadIsTheDeviationOfTheBlockLevels() {
        let assembler = WindowAssembler(settings: settings, hopFrames: 39)
        let k = assembler.hopsPerBlock
        XCTAssertEqual(k, Int((WindowAssembler.blockSeconds * Double(settings.sampleRate) / Double(settings.hopLength)).rounded()))
        // Blocks of k hops alternate between -40 and -50 dBFS (mean square 1e-4 and 1e-5).
        let windows = feed(assembler, frames: 39, hopMeanSquare: { ($0 / k) % 2 == 0 ? 1e-4 : 1e-5 }) { _ in 0 }
        var levels: [Double] = [], total = 0.0
        for start in stride(from: 0, to: 39, by: k) {
            let hops = start..<min(start + k, 39)
            let power = hops.map { ($0 / k) % 2 == 0 ? 1e-4 : 1e-5 }.reduce(0, +)
            total += power
            levels.append(10 * log10(power / Double(hops.count)))
        }
        let mean = levels.reduce(0, +) / Double(levels.count)
        let spread = (levels.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(levels.count)).squareRoot()
        XCTAssertEqual(windows[0].levelDBFS, 10 * log10(total / 39), accuracy: 1e-9)
        XCTAssertEqual(windows[0].levelSpreadDB, spread, accuracy: 1e-6)
        XCTAssertGreaterThan(spread, 4.9, "half the blocks 10 dB below the others")
        let steady = WindowAssembler(settings: settings, hopFrames: 39)
        XCTAssertEqual(feed(steady, frames: 39, hopMeanSquare: { _ in 3e-5 }) { _ in 0 }[0].levelSpreadDB, 0, accuracy: 1e-4)
    }

    func testStandardisedInputHasZeroMeanAndUnitDeviation() {
        let assembler = WindowAssembler(settings: settings, hopFrames: 39)
        var rng = SeededRandom(seed: 5)
        var produced: Seen? = nil
        for t in 0..<39 {
            produced = add(assembler, rng.floats(settings.nMels, in: -90 ... -10), hopMeanSquare: 1, index: t).last ?? produced
        }
        XCTAssertNotNil(produced)
        let x = produced!.input.map(Double.init)
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-5)
        XCTAssertEqual(variance, 1, accuracy: 1e-3)
    }
}

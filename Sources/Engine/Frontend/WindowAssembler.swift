#if canImport(Glibc)
import Glibc
#endif
import CKernels

/// Collects frames into model windows of `frames_per_window` frames, starting a
/// new window every `hopFrames` frames (equal to the window for consecutive,
/// non-overlapping windows; fewer for overlapping windows, which reuse the
/// frames already computed instead of computing them again).
///
/// Keeps only the last `frames_per_window` frames: memory does not grow with the stream.
final class WindowAssembler {
    public let framesPerWindow: Int
    public let hopFrames: Int
    public let nMels: Int
    /// The model's frontend: what a frame is in seconds.
    private let frontend: FrontendSettings
    /// Hops per block of the level spread: about `blockSeconds`, so that the spread of a
    /// noise floor (which shrinks as blocks grow) means the same for every model's hop.
    let hopsPerBlock: Int
    static let blockSeconds = 0.15
    private let topDB: Float
    /// nil: the model takes the window as it is (no standardisation).
    private let eps: Float?

    private var ring: [Float]          // [framesPerWindow][nMels], oldest overwritten
    private var hopPower: [Double]     // mean square of each ring slot's hop
    private var framesSeen = 0
    private var windowsEmitted = 0
    /// Frames up to which windows have been emitted: what a partial window must go beyond to add audio.
    private var coveredFrames = 0
    /// dB window in model layout [n_mels][frames], before standardisation.
    private(set) var melWindow: [Float]
    /// The model input for the last window: standardised, or as is, as the model says.
    private var input: [Float]

    public init(settings: FrontendSettings, hopFrames: Int) {
        precondition(hopFrames >= 1 && hopFrames <= settings.framesPerWindow)
        framesPerWindow = settings.framesPerWindow
        self.hopFrames = hopFrames
        nMels = settings.nMels
        frontend = settings
        hopsPerBlock = max(1, settings.frames(seconds: WindowAssembler.blockSeconds))
        topDB = Float(settings.topDB)
        eps = settings.standardizeEps.map(Float.init)
        ring = [Float](repeating: 0, count: framesPerWindow * nMels)
        hopPower = [Double](repeating: 0, count: framesPerWindow)
        melWindow = [Float](repeating: 0, count: framesPerWindow * nMels)
        input = melWindow
    }

    public func reset() {
        framesSeen = 0
        windowsEmitted = 0
        coveredFrames = 0
    }

    /// Where the next whole window will end, in seconds from the stream start: every
    /// window ending before it has been emitted.
    var nextWindowEndSeconds: Double {
        seconds(frames: windowsEmitted * hopFrames + framesPerWindow)
    }

    /// A window that is ready, handed to `emit`: its model input, position, times and level.
    struct Window {
        public var index: Int
        var firstFrame: Int
        /// Frames of real audio in it: `framesPerWindow`, or fewer for the partial window at end of input.
        var frameCount: Int
        /// Seconds from the stream start to its first sample and to its last sample's end.
        public var startSeconds: Double
        public var endSeconds: Double
        /// Seconds of audio in it that no earlier window covered: all of it for consecutive
        /// windows, the hop for overlapping ones.
        public var newSeconds: Double
        /// 10 log10(mean square) of its samples: RMS relative to a full-scale square wave.
        public var levelDBFS: Double
        /// Standard deviation, in dB, of the levels of its blocks of hops (`blockSeconds`):
        /// near 0 for a steady tone, hum or noise floor (dead air), several dB for speech and most music.
        var levelSpreadDB: Double
        public var isPartial: Bool
        /// The model's input for this window (standardised or not, as the model says); valid during `emit` only.
        public var input: UnsafeBufferPointer<Float>
    }

    /// The stream contract: adds a frame, and emits the window it completes, if any.
    public func process(_ frame: MelFrontend.Frame, emit: (Window) throws -> Void) rethrows {
        let slot = framesSeen % framesPerWindow
        ring.withUnsafeMutableBufferPointer { r in
            (r.baseAddress! + slot * nMels).update(from: frame.bands.baseAddress!, count: nMels)
        }
        hopPower[slot] = frame.hopMeanSquare
        framesSeen += 1
        let start = windowsEmitted * hopFrames
        guard framesSeen == start + framesPerWindow else { return }
        try emitWindow(firstFrame: start, frameCount: framesPerWindow, emit)
    }

    /// At end of input: emits the window in progress if it holds at least half a
    /// window of frames and audio that no full window covered (with overlapping
    /// windows the last full window may already reach the end). It is padded by
    /// repeating its own frames from its start (a loop of the music it has), so
    /// that the network sees a full window of real audio, not silence, and the
    /// standardisation is not skewed by padding.
    public func finish(emit: (Window) throws -> Void) rethrows {
        let start = windowsEmitted * hopFrames
        let have = framesSeen - start
        guard have * 2 >= framesPerWindow, have < framesPerWindow, framesSeen > coveredFrames else { return }
        try emitWindow(firstFrame: start, frameCount: have, emit)
    }

    private func emitWindow(firstFrame: Int, frameCount: Int, _ emit: (Window) throws -> Void) rethrows {
        fill(firstFrame: firstFrame, frameCount: frameCount)
        let end = firstFrame + frameCount
        let newFrames = end - max(firstFrame, coveredFrames)
        coveredFrames = end
        // The level, and the spread of the levels of blocks of `hopsPerBlock` hops.
        var power = 0.0, blockPower = 0.0, inBlock = 0, blocks = 0.0, sumDB = 0.0, sumSquaresDB = 0.0
        for t in 0..<frameCount {
            let p = hopPower[(firstFrame + t) % framesPerWindow]
            power += p
            blockPower += p
            inBlock += 1
            guard inBlock == hopsPerBlock || t == frameCount - 1 else { continue }
            let db = 10 * log10(max(blockPower / Double(inBlock), 1e-12))
            sumDB += db
            sumSquaresDB += db * db
            blocks += 1
            blockPower = 0
            inBlock = 0
        }
        let n = Double(frameCount), meanDB = sumDB / blocks
        let index = windowsEmitted
        windowsEmitted += 1
        try input.withUnsafeBufferPointer { x in
            try emit(Window(
                index: index, firstFrame: firstFrame, frameCount: frameCount,
                startSeconds: seconds(frames: firstFrame), endSeconds: seconds(frames: end), newSeconds: seconds(frames: newFrames),
                levelDBFS: 10 * log10(max(power / n, 1e-12)),
                levelSpreadDB: max(sumSquaresDB / blocks - meanDB * meanDB, 0).squareRoot(),
                isPartial: frameCount < framesPerWindow, input: x))
        }
    }

    /// Lays the window out in model order [n_mels][frames] and computes the model's input.
    private func fill(firstFrame: Int, frameCount: Int) {
        ring.withUnsafeBufferPointer { r in
            melWindow.withUnsafeMutableBufferPointer { w in
                for t in 0..<framesPerWindow {
                    let slot = (firstFrame + t % frameCount) % framesPerWindow
                    let column = r.baseAddress! + slot * nMels
                    for m in 0..<nMels { w[m * framesPerWindow + t] = column[m] }
                }
            }
        }
        melWindow.withUnsafeBufferPointer { w in
            input.withUnsafeMutableBufferPointer { x in
                if let eps {
                    gs_standardize(w.baseAddress!, Int32(w.count), topDB, eps, x.baseAddress!)
                    return
                }
                x.baseAddress!.update(from: w.baseAddress!, count: w.count)
                guard topDB > 0 else { return }
                // The top_db clamp without standardisation (no shipped model uses it).
                let lowest = (x.max() ?? 0) - topDB
                for i in x.indices where x[i] < lowest { x[i] = lowest }
            }
        }
    }

    /// Seconds that a number of frames spans at the model's rate (from the stream start, for a frame index).
    public func seconds(frames: Int) -> Double {
        frontend.seconds(frames: frames)
    }
}

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
public final class WindowAssembler {
    public let framesPerWindow: Int
    public let hopFrames: Int
    public let nMels: Int
    private let hopLength: Int
    private let topDB: Float
    /// nil: the model takes the window as it is (no standardisation).
    private let eps: Float?

    private var ring: [Float]          // [framesPerWindow][nMels], oldest overwritten
    private var hopPower: [Double]     // mean square of each ring slot's hop
    private var framesSeen = 0
    private var windowsEmitted = 0
    /// dB window in model layout [n_mels][frames], before standardisation.
    public private(set) var melWindow: [Float]
    /// The model input for the last window: standardised, or as is, as the model says.
    public private(set) var input: [Float]

    public init(settings: FrontendSettings, hopFrames: Int) {
        precondition(hopFrames >= 1 && hopFrames <= settings.framesPerWindow)
        framesPerWindow = settings.framesPerWindow
        self.hopFrames = hopFrames
        nMels = settings.nMels
        hopLength = settings.hopLength
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
    }

    /// A window that is ready: its position in frames and its level.
    public struct Window: Sendable {
        public var index: Int
        public var firstFrame: Int
        /// Frames of real audio in it: `framesPerWindow`, or fewer for the partial window at end of input.
        public var frameCount: Int
        /// 10 log10(mean square) of its samples: RMS relative to a full-scale square wave.
        public var levelDBFS: Double
        public var isPartial: Bool
    }

    /// Adds a frame; returns the window it completes, if any, with `input` filled.
    public func add(frame: UnsafeBufferPointer<Float>, hopMeanSquare: Double) -> Window? {
        let slot = framesSeen % framesPerWindow
        ring.withUnsafeMutableBufferPointer { r in
            (r.baseAddress! + slot * nMels).update(from: frame.baseAddress!, count: nMels)
        }
        hopPower[slot] = hopMeanSquare
        framesSeen += 1
        let start = windowsEmitted * hopFrames
        guard framesSeen == start + framesPerWindow else { return nil }
        return emit(firstFrame: start, frameCount: framesPerWindow)
    }

    /// At end of input: the window in progress, if it holds at least half a
    /// window of frames. It is padded by repeating its own frames from its start
    /// (a loop of the music it has), so that the network sees a full window of
    /// real audio, not silence, and the standardisation is not skewed by padding.
    public func finish() -> Window? {
        let start = windowsEmitted * hopFrames
        let have = framesSeen - start
        guard have * 2 >= framesPerWindow, have < framesPerWindow else { return nil }
        return emit(firstFrame: start, frameCount: have)
    }

    private func emit(firstFrame: Int, frameCount: Int) -> Window {
        var power = 0.0
        ring.withUnsafeBufferPointer { r in
            melWindow.withUnsafeMutableBufferPointer { w in
                for t in 0..<framesPerWindow {
                    let frameIndex = firstFrame + t % frameCount
                    let slot = frameIndex % framesPerWindow
                    if t < frameCount { power += hopPower[slot] }
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
        let window = Window(
            index: windowsEmitted, firstFrame: firstFrame, frameCount: frameCount,
            levelDBFS: 10 * log10(max(power / Double(frameCount), 1e-12)),
            isPartial: frameCount < framesPerWindow)
        windowsEmitted += 1
        return window
    }

    /// Seconds from the stream start to a frame's first sample, at the model's rate.
    public func seconds(atFrame frame: Int, sampleRate: Int) -> Double {
        Double(frame * hopLength) / Double(sampleRate)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CKernels

/// The incremental log-mel frontend: mono samples at the model's rate in,
/// one frame of `n_mels` compressed mel values (dB, log10(1 + k mel) or ln(mel + offset)) out per hop.
///
/// Frame `i` is the `win_length` samples from `i * hop` (librosa `center=False`), or,
/// when the model asks for centred frames, from `i * hop - n_fft/2` with zeros
/// before the stream's first sample (librosa `center=True`, constant padding:
/// the same frames, except that a stream's end is not padded). A frame shorter than
/// `n_fft` is windowed at its own length and zero-padded at the end to `n_fft`
/// (TF `tf.signal.stft`); it is complete once its `win_length` samples are in.
/// `consume` takes whatever arrived, uses samples until a frame is complete and
/// says how many it used; the frame is then readable until the next call. No
/// frame is ever computed twice and nothing is allocated after `init`, so the
/// same audio gives bit-identical frames whatever the chunk sizes.
public final class MelFrontend {
    public let settings: FrontendSettings
    let filterbank: MelFilterbank
    /// The last completed frame, compressed, band 0 lowest. Valid when `frameReady`.
    private(set) var frame: [Float]
    /// Mean square of one hop of the frame's samples, so that a window's level
    /// covers each sample exactly once: the hop it advances by, or for centred
    /// frames the hop from its centre (the first hop of a centred stream is padding).
    private(set) var hopMeanSquare: Double = 0
    private(set) var frameReady = false
    /// Frames produced since the last reset.
    public private(set) var framesProduced = 0

    private let fft: RealFFT
    private let window: [Float]
    private var samples: [Float]   // the next frame's `frameLength` samples, `filled` of them valid
    private var filled = 0
    /// After `flush` zero-pads a frame: how many of its samples were real audio.
    private var pendingRealSamples: Int? = nil
    /// |X|^power of the frame's spectrum, `n_fft/2 + 1` bins.
    private var power: [Float]
    /// Samples in a frame: `win_length`.
    private let frameLength: Int
    /// Where in a frame the hop measured for the level starts.
    private let levelOffset: Int
    /// Zeros ahead of the stream's first sample: n_fft/2 for centred frames.
    private let leadingZeros: Int

    public init(settings: FrontendSettings) throws {
        self.settings = settings
        filterbank = MelFilterbank(settings: settings)
        // The FFT's input beyond the frame stays zero: `computeFrame` writes only the
        // frame's samples, and the plan preserves its input.
        fft = try RealFFT(size: settings.nFFT)
        let n = settings.winLength
        frameLength = n
        // Periodic Hann of the frame's length (scipy.signal.get_window("hann", n), as
        // librosa uses; tf.signal.hann_window(n, periodic=True)).
        window = (0..<n).map { i in
            let phase = 2.0 * Double.pi * Double(i) / Double(n)
            return Float(0.5 - 0.5 * cos(phase))
        }
        samples = [Float](repeating: 0, count: n)
        power = [Float](repeating: 0, count: settings.nFFT / 2 + 1)
        frame = [Float](repeating: 0, count: settings.nMels)
        leadingZeros = settings.center ? n / 2 : 0
        levelOffset = settings.center ? min(n / 2, n - settings.hopLength) : 0
        filled = leadingZeros
    }

    /// Starts a new stream: frame 0 will begin at the next sample (or be centred on it).
    public func reset() {
        samples.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: leadingZeros) }
        filled = leadingZeros
        pendingRealSamples = nil
        framesProduced = 0
        frameReady = false
    }

    /// One frame of the stream, handed to `emit`; `bands` is valid only during that call.
    public struct Frame {
        /// The compressed mel bands, `n_mels` of them.
        public var bands: UnsafeBufferPointer<Float>
        /// Mean square of the frame's hop (for a centred frame, the hop from its centre): the level's input.
        var hopMeanSquare: Double
        /// Frames before it in this stream.
        public var index: Int
    }

    /// The stream contract: takes any number of samples and emits every frame they complete.
    public func process(_ input: UnsafeBufferPointer<Float>, emit: (Frame) throws -> Void) rethrows {
        var offset = 0
        while offset < input.count {
            offset += consume(UnsafeBufferPointer(rebasing: input[offset...]))
            if frameReady { try emitFrame(emit) }
        }
    }

    /// At end of stream: emits the frames that the samples left still complete (see `flush`).
    public func finish(emit: (Frame) throws -> Void) rethrows {
        while flush() { try emitFrame(emit) }
    }

    private func emitFrame(_ emit: (Frame) throws -> Void) rethrows {
        try frame.withUnsafeBufferPointer {
            try emit(Frame(bands: $0, hopMeanSquare: hopMeanSquare, index: framesProduced - 1))
        }
    }

    /// Uses samples from `input` until a frame completes or the input runs out;
    /// returns how many were used. Check `frameReady` after each call.
    func consume(_ input: UnsafeBufferPointer<Float>) -> Int {
        if frameReady { advance() }
        let n = frameLength
        let used = min(n - filled, input.count)
        samples.withUnsafeMutableBufferPointer { s in
            (s.baseAddress! + filled).update(from: input.baseAddress!, count: used)
        }
        filled += used
        if filled == n { computeFrame() }
        return used
    }

    /// At end of stream: completes one more frame from the samples left if
    /// they hold at least a whole hop, zero-padding the rest of the frame.
    /// Returns true while it produced a frame; call until it returns false.
    func flush() -> Bool {
        if frameReady { advance() }
        guard filled >= settings.hopLength, filled < frameLength else { return false }
        samples.withUnsafeMutableBufferPointer { s in
            (s.baseAddress! + filled).update(repeating: 0, count: frameLength - filled)
        }
        let real = filled
        filled = frameLength
        computeFrame()
        // Only `real` of the samples exist; after the hop, the zeros must not count.
        pendingRealSamples = real
        return true
    }

    private func advance() {
        let hop = settings.hopLength, n = frameLength
        samples.withUnsafeMutableBufferPointer { s in
            let base = s.baseAddress!
            base.update(from: base + hop, count: n - hop)
        }
        filled = (pendingRealSamples ?? n) - hop
        pendingRealSamples = nil
        frameReady = false
    }

    private func computeFrame() {
        let n = frameLength, hop = settings.hopLength
        samples.withUnsafeBufferPointer { s in
            window.withUnsafeBufferPointer { wd in
                gs_apply_window(s.baseAddress!, wd.baseAddress!, Int32(n), fft.input)
            }
            hopMeanSquare = gs_sum_of_squares(s.baseAddress! + levelOffset, Int32(hop)) / Double(hop)
        }
        fft.execute()
        power.withUnsafeMutableBufferPointer { p in
            gs_power_spectrum(fft.output, Int32(p.count), p.baseAddress!)
            if settings.power == 1 {
                // |X| from |X|^2: n_fft/2 + 1 square roots a frame, too few to need a kernel of their own.
                for k in p.indices { p[k] = p[k].squareRoot() }
            }
            filterbank.bandStart.withUnsafeBufferPointer { starts in
                filterbank.bandLength.withUnsafeBufferPointer { lengths in
                    filterbank.weights.withUnsafeBufferPointer { w in
                        frame.withUnsafeMutableBufferPointer { f in
                            gs_mel_apply(p.baseAddress!, starts.baseAddress!, lengths.baseAddress!, w.baseAddress!,
                                         Int32(settings.nMels), f.baseAddress!)
                            switch settings.compression {
                            case .decibels(let floor, _):
                                gs_power_to_db(f.baseAddress!, Int32(f.count), Float(floor), f.baseAddress!)
                            case .log10OnePlus(let k):
                                gs_log10_1p(f.baseAddress!, Int32(f.count), Float(k), f.baseAddress!)
                            case .naturalLog(let offset):
                                // In float, as TF's tf.math.log(mel + offset); n_mels logs a frame.
                                let c = Float(offset)
                                for m in f.indices { f[m] = logf(f[m] + c) }
                            }
                        }
                    }
                }
            }
        }
        framesProduced += 1
        frameReady = true
    }
}

import CEBUR128
import CKernels

#if canImport(Glibc)
import Glibc
#endif

/// One window's loudness by EBU R128 / ITU-R BS.1770. Values below the meter's
/// range (digital silence, or integrated loudness before a block passes the gate)
/// are `-infinity`; the outputs print them as null.
public struct Loudness: Sendable, Equatable {
    /// Momentary (400-ms) loudness at the window's end, LUFS.
    public var momentaryLUFS: Double
    /// Short-term (3-s) loudness at the window's end, LUFS.
    public var shortTermLUFS: Double
    /// The highest true peak (4x oversampled below 96 kHz, as BS.1770-4 asks) of the
    /// audio since the previous window's end, over all channels, dBTP.
    public var truePeakDBTP: Double
    /// Integrated (gated) loudness of the input so far, LUFS.
    public var integratedLUFS: Double
    /// Loudness range of the input so far, LU.
    public var rangeLU: Double
    /// The measurements that ended since the previous window's end, from which the report
    /// layer integrates loudness over any stretch of windows (a segment, a label).
    public var blocks = LoudnessBlocks()

    public init(momentaryLUFS: Double, shortTermLUFS: Double, truePeakDBTP: Double, integratedLUFS: Double, rangeLU: Double) {
        self.momentaryLUFS = momentaryLUFS
        self.shortTermLUFS = shortTermLUFS
        self.truePeakDBTP = truePeakDBTP
        self.integratedLUFS = integratedLUFS
        self.rangeLU = rangeLU
    }
}

/// BS.1770's gating blocks (400 ms, one every 100 ms) and EBU Tech 3342's short-term
/// values (3 s, one every second, as libebur128 takes them for the loudness range) that
/// ended within one window's new audio: what integrated loudness and loudness range
/// over a stretch of windows are computed from. Fixed size, in the window's result: the
/// per-window path allocates nothing. A window holds at most 6.4 s of new audio
/// (`blockCapacity` blocks), which every model's hop is within.
public struct LoudnessBlocks: Sendable, Equatable {
    static let blockCapacity = 64
    static let shortTermCapacity = 8
    /// Block loudness, LUFS (-infinity for digital silence).
    public private(set) var blockCount = 0
    private var blockStorage = InlineArray<64, Float>(repeating: 0)
    /// Short-term loudness, LUFS.
    public private(set) var shortTermCount = 0
    private var shortTermStorage = InlineArray<8, Float>(repeating: 0)

    public init() {}

    public func block(_ i: Int) -> Float { blockStorage[i] }
    public func shortTerm(_ i: Int) -> Float { shortTermStorage[i] }

    mutating func appendBlock(_ lufs: Double) {
        guard blockCount < Self.blockCapacity else { return }
        blockStorage[blockCount] = Float(lufs)
        blockCount += 1
    }

    mutating func appendShortTerm(_ lufs: Double) {
        guard shortTermCount < Self.shortTermCapacity else { return }
        shortTermStorage[shortTermCount] = Float(lufs)
        shortTermCount += 1
    }

    public static func == (a: LoudnessBlocks, b: LoudnessBlocks) -> Bool {
        a.blockCount == b.blockCount && a.shortTermCount == b.shortTermCount
            && (0..<a.blockCount).allSatisfy { a.blockStorage[$0] == b.blockStorage[$0] }
            && (0..<a.shortTermCount).allSatisfy { a.shortTermStorage[$0] == b.shortTermStorage[$0] }
    }
}

/// The stage that measures loudness with libebur128 (`--loudness`) on the decoded
/// audio as the source delivers it, every channel at its own rate, before the downmix
/// and the resampling: BS.1770 weights and sums the channels itself.
///
/// Momentary and short-term loudness are read at each window's exact end (the audio is
/// fed up to that sample, then the reading is kept for the window, which completes a
/// little later, behind the resampler and the frontend). Integrated loudness and range
/// use libebur128's histogram mode: fixed memory however long the stream.
final class LoudnessMeter {
    /// Readings kept for windows not yet complete: far more than the frontend's delay.
    private static let pending = 64

    private var state: UnsafeMutablePointer<ebur128_state>?
    private var channels = 0, rate = 0
    /// Where window `k` ends, in seconds of the stream.
    private let windowEndSeconds: (Int) -> Double
    private var framesFed = 0
    private var nextWindow = 0, nextEndFrame = 0
    /// libebur128's 100 ms, in frames (it rounds the same way), and the next block's end.
    private var blockFrames = 1, nextBlockFrame = 0, blocksEnded = 0
    /// The blocks and short-term values since the last window's end.
    private var blocks = LoudnessBlocks()
    /// The highest true peak (linear) since the last window's end.
    private var peak = 0.0
    private var readings: [Reading]

    private struct Reading {
        var momentary: Double
        var shortTerm: Double
        /// Linear true peak since the window before.
        var peak: Double
        /// The input's integrated loudness and range as of the window's end.
        var integrated: Double
        var range: Double
        var blocks = LoudnessBlocks()
    }

    init(windowEndSeconds: @escaping (Int) -> Double) {
        self.windowEndSeconds = windowEndSeconds
        readings = Array(repeating: Reading(momentary: -.infinity, shortTerm: -.infinity, peak: 0, integrated: -.infinity, range: -.infinity),
                         count: Self.pending)
    }

    deinit {
        if state != nil { ebur128_destroy(&state) }
    }

    /// A new source: a new measurement at its channel count and rate. Nil when
    /// libebur128 cannot measure this format (the error says why).
    func start(_ format: StreamFormat, sourceName: String) throws {
        if state != nil { ebur128_destroy(&state) }
        let mode = Int32(EBUR128_MODE_M.rawValue | EBUR128_MODE_S.rawValue | EBUR128_MODE_I.rawValue
                         | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue | EBUR128_MODE_HISTOGRAM.rawValue)
        state = ebur128_init(UInt32(format.channels), UInt(format.sampleRate), mode)
        guard state != nil else {
            throw EngineError.inputFormat("\(sourceName): libebur128 cannot measure loudness at \(format.sampleRate) Hz x \(format.channels)")
        }
        channels = format.channels
        rate = format.sampleRate
        framesFed = 0
        nextWindow = 0
        nextEndFrame = endFrame(0)
        peak = 0
        blockFrames = (format.sampleRate + 5) / 10
        nextBlockFrame = blockFrames
        blocksEnded = 0
        blocks = LoudnessBlocks()
    }

    private func endFrame(_ window: Int) -> Int {
        Int((windowEndSeconds(window) * Double(rate)).rounded())
    }

    /// Feeds interleaved frames; non-finite or absurd samples (which the pipeline warns
    /// of) are made 0 or clipped first, in place, so that one bad sample cannot make the
    /// loudness of the rest of the stream NaN.
    func process(_ interleaved: UnsafeMutableBufferPointer<Float>, frames: Int) {
        guard let state, frames > 0 else { return }
        let samples = frames * channels
        if gs_any_irregular(interleaved.baseAddress!, samples, SourceReader.sampleLimit) != 0 {
            for i in 0..<samples where !(interleaved[i].isFinite && abs(interleaved[i]) <= SourceReader.sampleLimit) {
                let v = interleaved[i]
                interleaved[i] = v.isNaN ? 0 : (v > 0 ? SourceReader.sampleLimit : -SourceReader.sampleLimit)
            }
        }
        var done = 0
        while done < frames {
            let step = min(frames - done, max(min(nextEndFrame, nextBlockFrame) - framesFed, 0))
            if step > 0 {
                ebur128_add_frames_float(state, interleaved.baseAddress! + done * channels, step)
                framesFed += step
                done += step
                notePeak(state)
            }
            if framesFed >= nextBlockFrame {
                // A gating block ends once 400 ms are in; a short-term value every second once 3 s are.
                blocksEnded += 1
                if blocksEnded >= 4 { blocks.appendBlock(read(state, ebur128_loudness_momentary)) }
                if blocksEnded >= 30 && blocksEnded % 10 == 0 { blocks.appendShortTerm(read(state, ebur128_loudness_shortterm)) }
                nextBlockFrame += blockFrames
            }
            if framesFed >= nextEndFrame {
                readings[nextWindow % Self.pending] = reading(state)
                blocks = LoudnessBlocks()
                peak = 0
                nextWindow += 1
                nextEndFrame = endFrame(nextWindow)
            }
        }
    }

    /// The loudness of window `index`: its reading when the audio has reached its end,
    /// otherwise (the input's last, partial window) the reading now.
    func loudness(forWindow index: Int) -> Loudness? {
        guard let state else { return nil }
        let reading = index < nextWindow && index >= nextWindow - Self.pending
            ? readings[index % Self.pending]
            : self.reading(state)
        var loudness = Loudness(momentaryLUFS: reading.momentary, shortTermLUFS: reading.shortTerm,
                                truePeakDBTP: reading.peak > 0 ? 20 * log10(reading.peak) : -.infinity,
                                integratedLUFS: reading.integrated, rangeLU: reading.range)
        loudness.blocks = reading.blocks
        return loudness
    }

    /// Every reading at the audio fed so far: a window's end, or the input's end.
    private func reading(_ state: UnsafeMutablePointer<ebur128_state>) -> Reading {
        Reading(momentary: read(state, ebur128_loudness_momentary), shortTerm: read(state, ebur128_loudness_shortterm), peak: peak,
                integrated: read(state, ebur128_loudness_global), range: read(state, ebur128_loudness_range), blocks: blocks)
    }

    private func notePeak(_ state: UnsafeMutablePointer<ebur128_state>) {
        for c in 0..<channels {
            var p = 0.0
            if ebur128_prev_true_peak(state, UInt32(c), &p) == Int32(EBUR128_SUCCESS.rawValue) { peak = max(peak, p) }
        }
    }

    /// Below this a reading is no loudness but the trace of a fade to digital silence
    /// (libebur128 gives -2748 LUFS for the last 400 ms of an MP3's padding): -infinity.
    static let floorLUFS = -120.0

    private func read(_ state: UnsafeMutablePointer<ebur128_state>, _ measure: (UnsafeMutablePointer<ebur128_state>?, UnsafeMutablePointer<Double>?) -> Int32) -> Double {
        var value = -Double.infinity
        return measure(state, &value) == Int32(EBUR128_SUCCESS.rawValue) && value >= Self.floorLUFS ? value : -.infinity
    }
}

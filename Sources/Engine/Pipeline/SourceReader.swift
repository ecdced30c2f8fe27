import CKernels

/// The input stage: reads a source to its end, to `--duration` or to a stop request;
/// hands on its gaps and notices; averages its channels (the models were trained on
/// mono), replaces samples no float path should carry (see `sanitize`), shows each
/// chunk to the loudness meter, and resamples to the model's rate (or to each of its
/// members' distinct rates, one resampler per rate). Shared by the classifier pipeline
/// and the `features` tool, so the training material goes through exactly the audio
/// path the stream does.
public final class SourceReader {
    /// Frames (of any channel count) read from a source per call.
    static let chunkFrames = 4096

    /// The rates audio is delivered at, in the order each chunk is delivered.
    let outputRates: [Int]
    public var outputRate: Int { outputRates[0] }
    /// One chunk of the widest source run so far. Grown per source rather than made
    /// for `AudioLimits.maxChannels` up front: that was 1 MiB, written once and
    /// resident for good, for sources that are nearly always mono or stereo.
    private var interleaved: [Float] = []
    private var mono: [Float]

    public convenience init(outputRate: Int) {
        self.init(outputRates: [outputRate])
    }

    public init(outputRates: [Int]) {
        precondition(!outputRates.isEmpty && Set(outputRates).count == outputRates.count)
        self.outputRates = outputRates
        mono = [Float](repeating: 0, count: SourceReader.chunkFrames)
    }

    /// Reads `source` until it ends, `maxSeconds` of it have been read, or a
    /// stop is requested, and hands every piece of converted audio to `sink`,
    /// including what the resampler holds at the end. `onGaps` hears of audio
    /// gaps and `onNotice` of the source's notices and of replaced samples, after the
    /// read they happened in. Returns true when stopped by a signal.
    public func run(
        _ source: AudioSource, maxSeconds: Double?, onGaps: (Int) -> Void, onNotice: (Notice) throws -> Void,
        _ sink: (UnsafeBufferPointer<Float>) throws -> Void
    ) throws -> Bool {
        try run(source, maxSeconds: maxSeconds, onGaps: onGaps, onNotice: onNotice) { _, samples in try sink(samples) }
    }

    /// As `run`, handing each piece with the index of its rate in `outputRates`: every
    /// chunk of the source goes to each rate in turn, in that order.
    /// `onInterleaved` sees each chunk as the source gave it (all channels, the source's
    /// rate: the loudness meter) after it was downmixed; it may change the chunk in place.
    public func run(
        _ source: AudioSource, maxSeconds: Double?, onGaps: (Int) -> Void, onNotice: (Notice) throws -> Void,
        onInterleaved: ((UnsafeMutableBufferPointer<Float>, Int) -> Void)? = nil,
        _ sink: (Int, UnsafeBufferPointer<Float>) throws -> Void
    ) throws -> Bool {
        let format = source.format
        try AudioLimits.check(format, declaredBy: source.name)
        let resamplers = try outputRates.map {
            try Resampler(inputRate: format.sampleRate, outputRate: $0, maxInput: SourceReader.chunkFrames)
        }
        if interleaved.count < SourceReader.chunkFrames * format.channels {
            interleaved = [Float](repeating: 0, count: SourceReader.chunkFrames * format.channels)
        }
        var framesLeft = maxSeconds.map { Int(($0 * Double(format.sampleRate)).rounded()) } ?? Int.max
        let channels = format.channels
        var stopped = false
        var framesRead = 0
        warnedAboutBadSamples = false
        while framesLeft > 0 {
            if StopRequest.isSet { stopped = true; break }
            let count = try interleaved.withUnsafeMutableBufferPointer { buffer in
                try source.read(into: UnsafeMutableBufferPointer(rebasing: buffer[0..<(SourceReader.chunkFrames * channels)]))
            }
            let gaps = source.takeDiscontinuities()
            if gaps > 0 { onGaps(gaps) }
            for notice in source.takeNotices() { try onNotice(notice) }
            if count == 0 {
                stopped = StopRequest.isSet
                break
            }
            let frames = min(count / channels, framesLeft)
            framesLeft -= frames
            downmix(frames: frames, channels: channels)
            if sanitize(frames: frames) && !warnedAboutBadSamples {
                warnedAboutBadSamples = true
                try onNotice(Notice(.warning, "\(source.name): NaN, infinite or out-of-range samples (beyond +-\(Int(SourceReader.sampleLimit)) full scale) "
                     + "replaced; first near \(TextFormatting.fixed(Double(framesRead) / Double(format.sampleRate), 1)) s"))
            }
            framesRead += frames
            if let onInterleaved { interleaved.withUnsafeMutableBufferPointer { onInterleaved($0, frames) } }
            try mono.withUnsafeBufferPointer { m in
                for (k, resampler) in resamplers.enumerated() {
                    try resampler.process(UnsafeBufferPointer(rebasing: m[0..<frames])) { try sink(k, $0) }
                }
            }
        }
        for (k, resampler) in resamplers.enumerated() { try resampler.flush { try sink(k, $0) } }
        return stopped
    }

    /// Float input can carry anything. NaN and infinities become silence,
    /// magnitudes beyond `sampleLimit` are clipped there (so that power stays
    /// finite in float), and subnormals become 0 (they would only slow the FFT).
    /// Returns true if any NaN, infinity or over-range sample was found.
    private func sanitize(frames: Int) -> Bool {
        var bad = false
        mono.withUnsafeMutableBufferPointer { m in
            // Nearly every chunk is all normal numbers within range: a vectorised count
            // settles that, and only chunks with something to fix take the loop below.
            if gs_any_irregular(m.baseAddress!, frames, SourceReader.sampleLimit) == 0 { return }
            for i in 0..<frames {
                let v = m[i]
                if v.isFinite && abs(v) <= SourceReader.sampleLimit {
                    if v.isSubnormal { m[i] = 0 }
                    continue
                }
                bad = true
                m[i] = v.isNaN ? 0 : (v > 0 ? SourceReader.sampleLimit : -SourceReader.sampleLimit)
            }
        }
        return bad
    }

    /// 36 dB over full scale: room for the "overs" of float recordings.
    static let sampleLimit: Float = 64

    private var warnedAboutBadSamples = false

    private func downmix(frames: Int, channels: Int) {
        interleaved.withUnsafeBufferPointer { src in
            mono.withUnsafeMutableBufferPointer { dst in
                if channels == 1 {
                    dst.baseAddress!.update(from: src.baseAddress!, count: frames)
                    return
                }
                gs_downmix(src.baseAddress!, frames, Int32(channels), dst.baseAddress!)
            }
        }
    }
}

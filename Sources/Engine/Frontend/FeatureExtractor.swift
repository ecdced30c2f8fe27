/// Computes every frame of a whole source with the stream's own frontend:
/// the training material the model learns from is made by the same code that
/// feeds it in production. Offline use only: the result grows with the input.
public enum FeatureExtractor {
    /// dB frames as a row-major `[n_mels][frames]` matrix (band by time).
    public struct Frames {
        public var nMels: Int
        public var count: Int
        public var values: [Float]
    }

    /// `skipSamples` drops that many samples (at the model's rate) first, which
    /// shifts the frame grid: training uses it for a random frame phase.
    public static func frames(of source: AudioSource, settings: FrontendSettings, skipSamples: Int = 0) throws -> Frames {
        let frontend = try MelFrontend(settings: settings)
        let converter = MonoConverter(outputRate: settings.sampleRate)
        var columns: [Float] = []
        var toSkip = skipSamples
        func collect() {
            columns.append(contentsOf: frontend.frame)
        }
        _ = try converter.run(source, maxSeconds: nil, onGaps: { _ in }) { samples in
            var offset = min(toSkip, samples.count)
            toSkip -= offset
            while offset < samples.count {
                offset += frontend.consume(UnsafeBufferPointer(rebasing: samples[offset...]))
                if frontend.frameReady { collect() }
            }
        }
        while frontend.flush() { collect() }
        let count = columns.count / settings.nMels
        // Frames arrive time-major; transpose to band-major, the model's layout.
        var values = [Float](repeating: 0, count: columns.count)
        for t in 0..<count {
            for m in 0..<settings.nMels { values[m * count + t] = columns[t * settings.nMels + m] }
        }
        return Frames(nMels: settings.nMels, count: count, values: values)
    }
}

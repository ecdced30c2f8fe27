/// Computes every frame of a whole source with the stream's own frontend:
/// the training material the model learns from is made by the same code that
/// feeds it in production. Offline use only: the result grows with the input.
public enum FeatureExtractor {
    /// Compressed mel frames (dB, or as the model's compression says) as a row-major `[n_mels][frames]` matrix (band by time).
    public struct Frames {
        public var nMels: Int
        public var count: Int
        public var values: [Float]
    }

    /// `skipSamples` drops that many samples (at the model's rate) first, which
    /// shifts the frame grid: training uses it for a random frame phase. `onNotice`
    /// hears what the source raised (see `Notice`).
    public static func frames(of source: AudioSource, settings: FrontendSettings, skipSamples: Int = 0,
                              onNotice: (Notice) -> Void = { _ in }) throws -> Frames {
        let frontend = try MelFrontend(settings: settings)
        var columns: [Float] = []
        try everyFrame(of: source, frontend: frontend, skipSamples: skipSamples, onNotice: onNotice) { columns.append(contentsOf: $0.bands) }
        let count = columns.count / settings.nMels
        // Frames arrive time-major; transpose to band-major, the model's layout.
        var values = [Float](repeating: 0, count: columns.count)
        for t in 0..<count {
            for m in 0..<settings.nMels { values[m * count + t] = columns[t * settings.nMels + m] }
        }
        return Frames(nMels: settings.nMels, count: count, values: values)
    }

    /// Per-window network outputs as a row-major `[windows][columns]` matrix.
    public struct WindowOutputs {
        public var count: Int
        public var columns: Int
        public var values: [Float]
    }

    /// Every whole window of a source through the network, consecutive (`hopFrames`
    /// = frames per window) or overlapping: per window, its level in dBFS when
    /// `withLevel`, then the values of `outputs` in the order given. The partial
    /// window at the end is left out: training material is whole windows.
    public static func windows(of source: AudioSource, network: Network, outputs: [ModelOutput], hopFrames: Int,
                               withLevel: Bool, skipSamples: Int = 0, onNotice: (Notice) -> Void = { _ in }) throws -> WindowOutputs {
        let settings = network.model.frontend
        let frontend = try MelFrontend(settings: settings)
        let assembler = WindowAssembler(settings: settings, hopFrames: hopFrames)
        let columns = (withLevel ? 1 : 0) + outputs.reduce(0) { $0 + network.model.nodes[$1.node].shape.count }
        var values: [Float] = [], count = 0
        try everyFrame(of: source, frontend: frontend, skipSamples: skipSamples, onNotice: onNotice) { frame in
            assembler.process(frame) { window in
                if withLevel { values.append(Float(window.levelDBFS)) }
                network.run(window.input)
                for output in outputs { values.append(contentsOf: network.values(of: output)) }
                count += 1
            }
        }
        return WindowOutputs(count: count, columns: columns, values: values)
    }

    /// Runs a whole source through `frontend` at its model's rate, dropping the first
    /// `skipSamples`, and calls `onFrame` for every frame, the end's flushed ones included.
    private static func everyFrame(of source: AudioSource, frontend: MelFrontend, skipSamples: Int,
                                   onNotice: (Notice) -> Void, _ onFrame: (MelFrontend.Frame) -> Void) throws {
        let converter = SourceReader(outputRate: frontend.settings.sampleRate)
        var toSkip = skipSamples
        _ = try converter.run(source, maxSeconds: nil, onGaps: { _ in }, onNotice: onNotice) { samples in
            let skip = min(toSkip, samples.count)
            toSkip -= skip
            frontend.process(UnsafeBufferPointer(rebasing: samples[skip...]), emit: onFrame)
        }
        frontend.finish(emit: onFrame)
    }
}

/// How audio becomes the network's input; read from the model file, never assumed.
/// Field meanings are in Weights/FORMAT.md.
public struct FrontendSettings: Sendable, Equatable {
    public var sampleRate: Int
    public var nFFT: Int
    /// Samples in a frame: the first `winLength` of the FFT's `nFFT`, the rest zeros (TF `tf.signal.stft`).
    public var winLength: Int
    public var hopLength: Int
    public var window: String
    /// Frames centred on `i * hop` (librosa `center=True`): the stream is preceded by n_fft/2 zeros.
    public var center: Bool
    public var nMels: Int
    public var fmin: Double
    public var fmax: Double
    /// `"slaney"` (librosa, with `melNorm` `"slaney"`) or `"htk_tf"` (`tf.signal.linear_to_mel_weight_matrix`, `melNorm` `"none"`).
    var melScale: String
    var melNorm: String
    /// 2: the power spectrum |X|^2; 1: the magnitude |X|.
    public var power: Double
    public var compression: Compression
    public var framesPerWindow: Int
    /// Frames between the starts of consecutive windows when the model runs as a secondary
    /// member of a fused model; `framesPerWindow` (consecutive windows) unless the file says otherwise.
    public var windowHopFrames: Int
    /// Per-window standardisation `(v - mean) / (std + eps)`; nil when the model takes the values as they are.
    var standardizeEps: Double?

    /// How mel power is made into the network's values.
    public enum Compression: Sendable, Equatable {
        /// `10 log10(max(mel, floor))`, then values below the window's maximum minus `topDB` raised to it (0: off).
        case decibels(floor: Double, topDB: Double)
        /// `log10(1 + k * mel)` (musicnn).
        case log10OnePlus(k: Double)
        /// `ln(mel + offset)` (YAMNet's `log(mel + 0.001)`).
        case naturalLog(offset: Double)
    }

    /// Seconds of audio one window spans: frames_per_window hops.
    public var windowSeconds: Double {
        seconds(frames: framesPerWindow)
    }

    /// Seconds that a number of frames (hops) spans at the model's rate.
    public func seconds(frames: Int) -> Double {
        Double(frames * hopLength) / Double(sampleRate)
    }

    /// The whole number of frames nearest to `seconds`.
    public func frames(seconds: Double) -> Int {
        Int((seconds * Double(sampleRate) / Double(hopLength)).rounded())
    }

    /// The window's top_db clamp, 0 when there is none.
    var topDB: Double {
        if case .decibels(_, let topDB) = compression { return topDB }
        return 0
    }

    /// Rejects settings the frontend cannot honour, naming the field.
    func validate() throws {
        func fail(_ what: String) -> EngineError { .model("frontend setting \(what)") }
        guard (8000...192_000).contains(sampleRate) else { throw fail("sample_rate \(sampleRate) outside 8000...192000") }
        guard nFFT >= 16, nFFT <= 65536, nFFT % 2 == 0 else { throw fail("n_fft \(nFFT) must be even, 16...65536") }
        guard winLength >= 16, winLength <= nFFT else { throw fail("win_length \(winLength) outside 16...n_fft (\(nFFT))") }
        // librosa centres a shorter window inside n_fft; TF does not centre at all. Only the TF frame is defined here.
        guard winLength == nFFT || !center else {
            throw fail("win_length \(winLength) < n_fft \(nFFT) with center true, expected center false")
        }
        // A hop longer than the frame would skip samples that no frame (and no level) sees.
        guard hopLength >= 1, hopLength <= winLength else {
            throw fail("hop_length \(hopLength) outside 1...\(winLength == nFFT ? "n_fft" : "win_length") (\(winLength))")
        }
        guard window == "hann" else { throw fail("window \"\(window)\", expected \"hann\"") }
        guard (1...512).contains(nMels) else { throw fail("n_mels \(nMels) outside 1...512") }
        guard fmin >= 0, fmax > fmin, fmax <= Double(sampleRate) / 2 else {
            throw fail("fmin \(fmin) / fmax \(fmax): need 0 <= fmin < fmax <= sample_rate/2")
        }
        switch melScale {
        case "slaney":
            guard melNorm == "slaney" else { throw fail("mel_norm \"\(melNorm)\" with mel_scale \"slaney\", expected \"slaney\"") }
        case "htk_tf":
            guard melNorm == "none" else { throw fail("mel_norm \"\(melNorm)\" with mel_scale \"htk_tf\", expected \"none\"") }
        default:
            throw fail("mel_scale \"\(melScale)\", expected \"slaney\" or \"htk_tf\"")
        }
        guard power == 1 || power == 2 else { throw fail("power \(power), expected 1 (magnitude) or 2 (power)") }
        switch compression {
        case let .decibels(floor, topDB):
            guard floor > 0 else { throw fail("compression floor \(floor) must be > 0") }
            guard topDB >= 0 else { throw fail("top_db \(topDB) must be >= 0") }
        case let .log10OnePlus(k):
            guard k > 0, k <= 1e12 else { throw fail("compression k \(k) outside (0, 1e12]") }
        case let .naturalLog(offset):
            guard offset > 0, offset.isFinite else { throw fail("compression offset \(offset) must be > 0") }
        }
        guard (1...4096).contains(framesPerWindow) else { throw fail("frames_per_window \(framesPerWindow) outside 1...4096") }
        guard (1...framesPerWindow).contains(windowHopFrames) else {
            throw fail("window_hop_frames \(windowHopFrames) outside 1...frames_per_window (\(framesPerWindow))")
        }
        if let standardizeEps, !(standardizeEps > 0) { throw fail("standardize_eps \(standardizeEps) must be > 0") }
    }
}

extension FrontendSettings {
    /// Reads the header's `frontend` object in the file's version: version 1 has
    /// flat `log_floor`/`top_db`/`standardize_eps`, version 2 a `compression`
    /// object, a `standardize` switch and the optional `center`, `win_length` and
    /// `window_hop_frames`. `validate()` then checks the values.
    init(json: JSONObject, version: UInt32) throws {
        sampleRate = try json.required("sample_rate", as: .int)
        nFFT = try json.required("n_fft", as: .int)
        hopLength = try json.required("hop_length", as: .int)
        window = try json.required("window", as: .string)
        nMels = try json.required("n_mels", as: .int)
        fmin = try json.required("fmin", as: .double)
        fmax = try json.required("fmax", as: .double)
        melScale = try json.required("mel_scale", as: .string)
        melNorm = try json.required("mel_norm", as: .string)
        power = try json.required("power", as: .double)
        framesPerWindow = try json.required("frames_per_window", as: .int)
        if version == 1 {
            winLength = nFFT
            windowHopFrames = framesPerWindow
            center = false
            compression = .decibels(floor: try json.required("log_floor", as: .double),
                                    topDB: try json.required("top_db", as: .double))
            standardizeEps = try json.required("standardize_eps", as: .double)
            return
        }
        winLength = try json.optional("win_length", as: .int) ?? nFFT
        windowHopFrames = try json.optional("window_hop_frames", as: .int) ?? framesPerWindow
        center = try json.optional("center", as: .bool) ?? false
        let c = try json.object("compression")
        switch try c.required("kind", as: .string) {
        case "db":
            compression = .decibels(floor: try c.required("floor", as: .double), topDB: try c.required("top_db", as: .double))
        case "log10_1p":
            compression = .log10OnePlus(k: try c.required("k", as: .double))
        case "log":
            compression = .naturalLog(offset: try c.required("offset", as: .double))
        case let other:
            throw JSONError(message: "field \"\(c.fieldPath("kind"))\" is \"\(other)\", expected \"db\", \"log10_1p\" or \"log\"")
        }
        standardizeEps = try json.required("standardize", as: .bool) ? try json.required("standardize_eps", as: .double) : nil
    }
}

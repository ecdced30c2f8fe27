/// How audio becomes the network's input; read from the model file, never assumed.
/// Field meanings are in Weights/FORMAT.md.
public struct FrontendSettings: Sendable, Equatable {
    public var sampleRate: Int
    public var nFFT: Int
    public var hopLength: Int
    public var window: String
    public var nMels: Int
    public var fmin: Double
    public var fmax: Double
    public var melScale: String
    public var melNorm: String
    public var power: Double
    public var logFloor: Double
    public var topDB: Double
    public var framesPerWindow: Int
    public var standardizeEps: Double

    /// Seconds of audio one window spans: frames_per_window hops.
    public var windowSeconds: Double {
        Double(framesPerWindow * hopLength) / Double(sampleRate)
    }

    /// Rejects settings the frontend cannot honour, naming the field.
    func validate() throws {
        func fail(_ what: String) -> EngineError { .model("frontend setting \(what)") }
        guard (8000...192_000).contains(sampleRate) else { throw fail("sample_rate \(sampleRate) outside 8000...192000") }
        guard nFFT >= 16, nFFT <= 65536, nFFT % 2 == 0 else { throw fail("n_fft \(nFFT) must be even, 16...65536") }
        guard hopLength >= 1, hopLength <= nFFT else { throw fail("hop_length \(hopLength) outside 1...n_fft") }
        guard window == "hann" else { throw fail("window \"\(window)\", expected \"hann\"") }
        guard (1...512).contains(nMels) else { throw fail("n_mels \(nMels) outside 1...512") }
        guard fmin >= 0, fmax > fmin, fmax <= Double(sampleRate) / 2 else {
            throw fail("fmin \(fmin) / fmax \(fmax): need 0 <= fmin < fmax <= sample_rate/2")
        }
        guard melScale == "slaney", melNorm == "slaney" else {
            throw fail("mel_scale \"\(melScale)\" / mel_norm \"\(melNorm)\", expected \"slaney\"")
        }
        guard power == 2 else { throw fail("power \(power), expected 2") }
        guard logFloor > 0 else { throw fail("log_floor \(logFloor) must be > 0") }
        guard topDB >= 0 else { throw fail("top_db \(topDB) must be >= 0") }
        guard (1...4096).contains(framesPerWindow) else { throw fail("frames_per_window \(framesPerWindow) outside 1...4096") }
        guard standardizeEps > 0 else { throw fail("standardize_eps \(standardizeEps) must be > 0") }
    }
}

extension FrontendSettings {
    /// Reads the header's `frontend` object; `validate()` then checks the values.
    init(json: JSONObject) throws {
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
        logFloor = try json.required("log_floor", as: .double)
        topDB = try json.required("top_db", as: .double)
        framesPerWindow = try json.required("frames_per_window", as: .int)
        standardizeEps = try json.required("standardize_eps", as: .double)
    }
}

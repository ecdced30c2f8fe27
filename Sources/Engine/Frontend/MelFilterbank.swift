#if canImport(Glibc)
import Glibc
#endif

/// Triangular mel filters, stored sparsely: each band keeps only its non-zero bins.
/// Two constructions, each exactly as its library builds it:
/// - `.slaney`: the Slaney mel scale, triangles over the bins' Hz, Slaney (area)
///   normalisation: `librosa.filters.mel(htk=False, norm="slaney")`;
/// - `.htkTF`: the HTK mel scale `1127 ln(1 + f/700)`, triangles over the bins' mel
///   values, no normalisation, the DC bin left out: `tf.signal.linear_to_mel_weight_matrix`.
struct MelFilterbank: Sendable {
    enum Scale: Sendable {
        case slaney
        case htkTF
    }


    public let nMels: Int
    let nBins: Int
    /// First FFT bin of each band.
    let bandStart: [Int32]
    /// Number of weights of each band.
    let bandLength: [Int32]
    /// The weights of all bands, band after band.
    public let weights: [Float]

    /// The filterbank a model's settings describe (`mel_scale`).
    public init(settings: FrontendSettings) {
        self.init(sampleRate: settings.sampleRate, nFFT: settings.nFFT, nMels: settings.nMels,
                  fmin: settings.fmin, fmax: settings.fmax, scale: settings.melScale == "htk_tf" ? .htkTF : .slaney)
    }

    public init(sampleRate: Int, nFFT: Int, nMels: Int, fmin: Double, fmax: Double, scale: Scale = .slaney) {
        self.nMels = nMels
        nBins = nFFT / 2 + 1
        let binHz = (0..<nBins).map { Double($0) * Double(sampleRate) / Double(nFFT) }
        // Each band's triangle in the scale's own unit: its three edges, the bins'
        // positions, and the factor its weights are scaled by.
        let edges: [Double], position: [Double], firstBin: Int
        switch scale {
        case .slaney:
            let melMin = MelFilterbank.hzToMel(fmin), melMax = MelFilterbank.hzToMel(fmax)
            // n_mels + 2 edge frequencies, evenly spaced in mel; the triangles are in Hz.
            edges = (0..<(nMels + 2)).map { i in
                MelFilterbank.melToHz(melMin + (melMax - melMin) * Double(i) / Double(nMels + 1))
            }
            position = binHz
            firstBin = 0
        case .htkTF:
            let melMin = MelFilterbank.hzToHTKMel(fmin), melMax = MelFilterbank.hzToHTKMel(fmax)
            // The edges stay in mel and the bins are mapped to mel: the triangles are in mel.
            edges = (0..<(nMels + 2)).map { i in melMin + (melMax - melMin) * Double(i) / Double(nMels + 1) }
            position = binHz.map(MelFilterbank.hzToHTKMel)
            // TF zeroes the DC bin's row whatever fmin is.
            firstBin = 1
        }
        var starts: [Int32] = [], lengths: [Int32] = [], packed: [Float] = []
        for m in 0..<nMels {
            let lowerWidth = edges[m + 1] - edges[m], upperWidth = edges[m + 2] - edges[m + 1]
            let norm = scale == .slaney ? 2.0 / (edges[m + 2] - edges[m]) : 1.0
            var band: [(Int, Float)] = []
            for k in firstBin..<nBins {
                let rising = (position[k] - edges[m]) / lowerWidth
                let falling = (edges[m + 2] - position[k]) / upperWidth
                let w = max(0, min(rising, falling)) * norm
                if w > 0 { band.append((k, Float(w))) }
            }
            // A band narrower than one bin has no weight at all; keep it as an empty range.
            let first = band.first?.0 ?? 0
            let last = band.last?.0 ?? -1
            starts.append(Int32(first))
            lengths.append(Int32(last - first + 1))
            // A triangle's non-zero bins are contiguous, so the band is one run.
            packed.append(contentsOf: band.map(\.1))
        }
        bandStart = starts
        bandLength = lengths
        weights = packed
    }

    /// Dense [n_mels][n_bins] form, for tests against librosa's and TF's matrices.
    public func dense() -> [[Float]] {
        var matrix = [[Float]](repeating: [Float](repeating: 0, count: nBins), count: nMels)
        var offset = 0
        for m in 0..<nMels {
            for j in 0..<Int(bandLength[m]) { matrix[m][Int(bandStart[m]) + j] = weights[offset + j] }
            offset += Int(bandLength[m])
        }
        return matrix
    }

    // Slaney's Auditory Toolbox scale: linear below 1 kHz (200/3 Hz per mel),
    // logarithmic above, 27 mels per factor 6.4.
    private static let hzPerMel = 200.0 / 3.0
    private static let breakHz = 1000.0
    private static let breakMel = breakHz / hzPerMel
    private static let logStep = log(6.4) / 27.0

    static func hzToMel(_ hz: Double) -> Double {
        hz < breakHz ? hz / hzPerMel : breakMel + log(hz / breakHz) / logStep
    }

    static func melToHz(_ mel: Double) -> Double {
        mel < breakMel ? mel * hzPerMel : breakHz * exp(logStep * (mel - breakMel))
    }

    /// The HTK mel scale with TF's constants (`_MEL_HIGH_FREQUENCY_Q`, `_MEL_BREAK_FREQUENCY_HERTZ`).
    static func hzToHTKMel(_ hz: Double) -> Double {
        1127.0 * log(1.0 + hz / 700.0)
    }
}

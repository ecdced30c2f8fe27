/// How one sample is stored in a byte stream: the codecs that WAV, Sun AU and raw
/// (`arecord`-style) input can carry. Decoding lives in `SampleDecoding.swift`.
public enum SampleEncoding: Sendable, Equatable, CaseIterable {
    case u8
    case s8
    case s16LE, s16BE
    /// 24-bit samples packed in 3 bytes (ALSA `S24_3LE`), as in 24-bit WAV.
    case s24_3LE, s24_3BE
    case s32LE, s32BE
    case float32LE, float32BE
    case float64LE, float64BE
    /// ITU-T G.711, 8 bits per sample.
    case muLaw, aLaw

    public var bytesPerSample: Int {
        switch self {
        case .u8, .s8, .muLaw, .aLaw: return 1
        case .s16LE, .s16BE: return 2
        case .s24_3LE, .s24_3BE: return 3
        case .s32LE, .s32BE, .float32LE, .float32BE: return 4
        case .float64LE, .float64BE: return 8
        }
    }

    /// The name `arecord -f` and ALSA use for this encoding.
    public var arecordName: String {
        switch self {
        case .u8: return "U8"
        case .s8: return "S8"
        case .s16LE: return "S16_LE"
        case .s16BE: return "S16_BE"
        case .s24_3LE: return "S24_3LE"
        case .s24_3BE: return "S24_3BE"
        case .s32LE: return "S32_LE"
        case .s32BE: return "S32_BE"
        case .float32LE: return "FLOAT_LE"
        case .float32BE: return "FLOAT_BE"
        case .float64LE: return "FLOAT64_LE"
        case .float64BE: return "FLOAT64_BE"
        case .muLaw: return "MU_LAW"
        case .aLaw: return "A_LAW"
        }
    }

    /// Parses an `arecord -f` name, case-insensitively ("S16_LE", "float_le").
    /// Returns nil for names this engine cannot decode; `arecordNames` lists the valid ones.
    public init?(arecordName: String) {
        let wanted = arecordName.uppercased()
        guard let match = Self.allCases.first(where: { $0.arecordName == wanted }) else { return nil }
        self = match
    }

    /// For help texts and error messages: "U8, S8, S16_LE, ...".
    public static var arecordNames: String {
        allCases.map(\.arecordName).joined(separator: ", ")
    }
}

/// Describes headerless PCM on stdin; used only when no WAV or AU header is found.
public struct RawPCMFormat: Sendable, Equatable {
    public var encoding: SampleEncoding
    public var sampleRate: Int
    public var channels: Int

    public init(encoding: SampleEncoding, sampleRate: Int, channels: Int) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }
}

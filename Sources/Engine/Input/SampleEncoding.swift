/// How one sample is stored in a byte stream: the codecs that WAV, Sun AU and raw
/// (`arecord`-style) input can carry. Decoding lives in `SampleDecoding.swift`.
public enum SampleEncoding: Sendable, Equatable, CaseIterable {
    case u8
    case s8
    case s16LE, s16BE
    /// 24-bit samples packed in 3 bytes (ALSA `S24_3LE`), as in 24-bit WAV.
    case s24_3LE, s24_3BE
    /// 24-bit samples in the low 3 bytes of 4-byte containers (ALSA `S24_LE`, what many
    /// HDA codecs capture); the top byte is ignored and bit 23 is the sign.
    case s24LE, s24BE
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
        case .s24LE, .s24BE, .s32LE, .s32BE, .float32LE, .float32BE: return 4
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
        case .s24LE: return "S24_LE"
        case .s24BE: return "S24_BE"
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

    /// arecord's shorthands, which fix the rate and channels as well as the encoding.
    static let arecordPresets: [(name: String, format: RawPCMFormat)] = [
        ("cd", RawPCMFormat(encoding: .s16LE, sampleRate: 44100, channels: 2)),
        ("dat", RawPCMFormat(encoding: .s16LE, sampleRate: 48000, channels: 2)),
    ]

    /// What `arecord -f NAME [-r RATE] [-c CHANNELS]` records: a sample format name
    /// ("S16_LE", case-insensitive) or a preset ("cd" = S16_LE 44100 Hz stereo, "dat" =
    /// S16_LE 48000 Hz stereo). An explicit `sampleRate` or `channels` wins over a preset's,
    /// as in arecord; without either, a plain format name takes `defaultSampleRate` and
    /// `defaultChannels`. Nil for a name that is neither (list: `arecordNames`). The
    /// values are not range-checked here: `StdinSource` does that.
    public init?(arecordName: String, sampleRate: Int?, channels: Int?,
                 defaultSampleRate: Int, defaultChannels: Int = 1) {
        let base: RawPCMFormat
        if let preset = Self.arecordPresets.first(where: { $0.name == arecordName.lowercased() }) {
            base = preset.format
        } else if let encoding = SampleEncoding(arecordName: arecordName) {
            base = RawPCMFormat(encoding: encoding, sampleRate: defaultSampleRate, channels: defaultChannels)
        } else {
            return nil
        }
        self.init(encoding: base.encoding, sampleRate: sampleRate ?? base.sampleRate, channels: channels ?? base.channels)
    }

    /// For help texts and error messages: the sample formats, then the presets ("..., cd, dat").
    public static var arecordNames: String {
        ([SampleEncoding.arecordNames] + arecordPresets.map(\.name)).joined(separator: ", ")
    }
}

import CALSA

/// The one place where an ALSA status code becomes a Swift error, with ALSA's own
/// message (`snd_strerror`) and the device it concerns.
enum ALSAStatus {
    /// Returns a non-negative `status` unchanged; throws `EngineError.device` for a negative one.
    @discardableResult
    static func check<Status: BinaryInteger>(_ status: Status, _ action: String, device: String) throws -> Status {
        guard status < 0 else { return status }
        throw error(Int32(status), action, device: device)
    }

    static func error(_ status: Int32, _ action: String, device: String) -> EngineError {
        .device("\(action) on ALSA device '\(device)' failed: \(String(cString: snd_strerror(status)))")
    }
}

extension SampleEncoding {
    /// The matching ALSA sample format.
    var alsaFormat: snd_pcm_format_t {
        switch self {
        case .u8: return SND_PCM_FORMAT_U8
        case .s8: return SND_PCM_FORMAT_S8
        case .s16LE: return SND_PCM_FORMAT_S16_LE
        case .s16BE: return SND_PCM_FORMAT_S16_BE
        case .s24_3LE: return SND_PCM_FORMAT_S24_3LE
        case .s24_3BE: return SND_PCM_FORMAT_S24_3BE
        case .s32LE: return SND_PCM_FORMAT_S32_LE
        case .s32BE: return SND_PCM_FORMAT_S32_BE
        case .float32LE: return SND_PCM_FORMAT_FLOAT_LE
        case .float32BE: return SND_PCM_FORMAT_FLOAT_BE
        case .float64LE: return SND_PCM_FORMAT_FLOAT64_LE
        case .float64BE: return SND_PCM_FORMAT_FLOAT64_BE
        case .muLaw: return SND_PCM_FORMAT_MU_LAW
        case .aLaw: return SND_PCM_FORMAT_A_LAW
        }
    }
}

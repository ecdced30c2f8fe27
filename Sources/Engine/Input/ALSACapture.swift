import CALSA
#if canImport(Glibc)
import Glibc
#endif

/// Live capture from an ALSA PCM device ("default", "hw:1,0", "plughw:1,0", ...).
///
/// Asks for mono at the hardware rate nearest `preferredRate` and takes what the device
/// gives (`format` says; it may be stereo, or 48000 Hz). Prefers FLOAT_LE, then S32_LE,
/// S16_LE, S24_3LE, S24_LE. Reads one period at a time into a buffer allocated at open. A capture
/// never ends by itself: `read(into:)` returns 0 only when `StopRequest` is set.
/// Overruns are recovered, warned about and counted.
public final class ALSACapture: AudioSource {
    public let format: StreamFormat
    public let name: String
    /// How outputs name a capture from `device` (`alsa:hw:1,0`).
    public static func sourceName(device: String) -> String { "alsa:" + device }
    /// The sample format the device agreed to.
    public let encoding: SampleEncoding
    /// Frames per period (one `read(into:)` returns at most this many) and in the ring buffer.
    let periodFrames: Int
    let bufferFrames: Int
    /// Overruns and suspends recovered since open.
    private(set) var gapCount = 0

    static let preferredEncodings: [SampleEncoding] = [.float32LE, .s32LE, .s16LE, .s24_3LE, .s24LE]
    /// The PCM is opened non-blocking and waited on in slices this long, so that a stop
    /// request is noticed even though alsa-lib restarts its own poll after a signal.
    private static let stopPollMilliseconds: Int32 = 100

    private let device: String
    private let pcm: OpaquePointer
    private let periodBytes: UnsafeMutableRawBufferPointer
    private var untakenGaps = 0
    private let watch: StallWatch?
    private let notices = NoticeQueue()

    /// `stallWatch`: hears of every wait that delivers no period, so that a device that
    /// stops producing (a dead USB link that stays open, a stopped clock source) is a stall.
    public convenience init(device: String, preferredRate: Int, stallWatch: StallWatch? = nil) throws {
        try self.init(device: device, preferredRate: preferredRate, configuration: nil, stallWatch: stallWatch)
    }

    /// `configuration`: ALSA configuration text to use instead of the system's (tests define
    /// a `file` PCM reading samples from a file). `encodings`: the formats to try, in order.
    init(device: String, preferredRate: Int, configuration: String?,
         encodings: [SampleEncoding] = ALSACapture.preferredEncodings, stallWatch: StallWatch? = nil) throws {
        let pcm = try Self.open(device, configuration: configuration)
        let settings: Settings
        do {
            settings = try Self.configure(pcm, device: device, preferredRate: preferredRate, encodings: encodings)
        } catch {
            snd_pcm_close(pcm)
            throw error
        }
        self.pcm = pcm
        self.device = device
        watch = stallWatch
        name = Self.sourceName(device: device)
        format = StreamFormat(sampleRate: settings.rate, channels: settings.channels)
        encoding = settings.encoding
        periodFrames = settings.periodFrames
        bufferFrames = settings.bufferFrames
        periodBytes = .allocate(byteCount: settings.periodFrames * settings.channels * settings.encoding.bytesPerSample,
                                alignment: 16)
    }

    deinit {
        snd_pcm_close(pcm)
        periodBytes.deallocate()
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        let frames = min(periodFrames, buffer.count / format.channels)
        guard frames > 0 else {
            throw EngineError.internalFault("read(into:) given \(buffer.count) samples; one frame needs \(format.channels)")
        }
        while true {
            if StopRequest.isSet { return 0 }
            let got = snd_pcm_readi(pcm, periodBytes.baseAddress, snd_pcm_uframes_t(frames))
            if got > 0 {
                try watch?.heard()
                let byteCount = Int(got) * format.channels * encoding.bytesPerSample
                return encoding.decode(UnsafeRawBufferPointer(rebasing: periodBytes[0..<byteCount]), into: buffer)
            }
            if got == 0 || got == -Int(EAGAIN) {
                let ready = snd_pcm_wait(pcm, Self.stopPollMilliseconds)
                if ready < 0 { try recover(from: ready) }
                // Time-based, so a device that polls ready yet delivers nothing counts too.
                try watch?.waited(for: name)
            } else {
                try recover(from: Int32(truncatingIfNeeded: got))
            }
        }
    }

    public func takeDiscontinuities() -> Int {
        defer { untakenGaps = 0 }
        return untakenGaps
    }

    public var stallWatch: StallWatch? { watch }
    public var isLive: Bool { true }
    public func takeNotices() -> [Notice] { notices.take() }

    /// Handles a failed read or wait: an overrun (-EPIPE) or suspend (-ESTRPIPE) is
    /// recovered and counted as a gap; -EINTR is retried; anything else (a device that
    /// disappeared: -ENODEV, -EBADFD, -EIO) throws `EngineError.device`.
    func recover(from status: Int32) throws {
        switch -status {
        case EINTR:
            return
        case EPIPE, ESTRPIPE:
            let what = status == -EPIPE ? "an overrun" : "a suspend"
            try ALSAStatus.check(snd_pcm_recover(pcm, status, 1), "recovering from \(what)", device: device)
            gapCount += 1
            untakenGaps += 1
            if status == -EPIPE {
                notices.warn("ALSA overrun #\(gapCount) on \(device): recovered, audio gap")
            } else {
                notices.warn("ALSA device \(device) was suspended (gap #\(gapCount)): recovered, audio gap")
            }
        default:
            throw ALSAStatus.error(status, "capturing", device: device)
        }
    }

    // MARK: Opening

    private struct Settings {
        var encoding: SampleEncoding
        var channels: Int
        var rate: Int
        var periodFrames: Int
        var bufferFrames: Int
    }

    private static func open(_ device: String, configuration: String?) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let mode = Int32(SND_PCM_NONBLOCK)
        // Our own one-line error says what failed; alsa-lib's extra lines would only repeat it.
        gs_alsa_silence_library_messages()
        if let configuration {
            var top: OpaquePointer?
            try ALSAStatus.check(snd_config_top(&top), "creating a configuration", device: device)
            defer { snd_config_delete(top) }
            var input: OpaquePointer?
            _ = try configuration.withCString { text in
                try ALSAStatus.check(snd_input_buffer_open(&input, text, strlen(text)),
                                     "buffering the configuration", device: device)
            }
            defer { snd_input_close(input) }
            try ALSAStatus.check(snd_config_load(top, input), "parsing the configuration", device: device)
            try ALSAStatus.check(snd_pcm_open_lconf(&handle, device, SND_PCM_STREAM_CAPTURE, mode, top),
                                 "opening for capture", device: device)
        } else {
            try ALSAStatus.check(snd_pcm_open(&handle, device, SND_PCM_STREAM_CAPTURE, mode),
                                 "opening for capture", device: device)
        }
        guard let handle else { throw EngineError.device("opening ALSA device '\(device)' returned no handle") }
        return handle
    }

    private static func configure(_ pcm: OpaquePointer, device: String, preferredRate: Int,
                                  encodings: [SampleEncoding]) throws -> Settings {
        var hw: OpaquePointer?
        try ALSAStatus.check(snd_pcm_hw_params_malloc(&hw), "allocating hw params", device: device)
        defer { snd_pcm_hw_params_free(hw) }
        try ALSAStatus.check(snd_pcm_hw_params_any(pcm, hw), "reading the capabilities", device: device)
        try ALSAStatus.check(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED),
                             "selecting interleaved access", device: device)
        guard let encoding = encodings.first(where: { snd_pcm_hw_params_test_format(pcm, hw, $0.alsaFormat) == 0 })
        else {
            let names = encodings.map(\.arecordName).joined(separator: ", ")
            throw EngineError.device("ALSA device '\(device)' offers none of the capture formats \(names)")
        }
        try ALSAStatus.check(snd_pcm_hw_params_set_format(pcm, hw, encoding.alsaFormat),
                             "selecting \(encoding.arecordName)", device: device)
        var channels: UInt32 = 1
        try ALSAStatus.check(snd_pcm_hw_params_set_channels_near(pcm, hw, &channels),
                             "selecting mono (or the nearest channel count)", device: device)
        // Take the device's own rate rather than alsa-lib's rate plugin (linear interpolation
        // by default): the pipeline's resampler does better. Devices without the switch ignore it.
        _ = snd_pcm_hw_params_set_rate_resample(pcm, hw, 0)
        var rate = UInt32(clamping: preferredRate)
        var direction: Int32 = 0
        try ALSAStatus.check(snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &direction),
                             "selecting \(preferredRate) Hz (or the nearest rate)", device: device)
        // About 50 ms per period, four periods of ring buffer: overruns need a 150 ms stall.
        var period = snd_pcm_uframes_t(min(max(Int(rate) / 20, 1024), 4096))
        try ALSAStatus.check(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &direction),
                             "selecting a period of \(period) frames", device: device)
        var buffer = period * 4
        try ALSAStatus.check(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer),
                             "selecting a buffer of \(buffer) frames", device: device)
        try ALSAStatus.check(snd_pcm_hw_params(pcm, hw), "applying the hw params", device: device)
        try ALSAStatus.check(snd_pcm_hw_params_get_period_size(hw, &period, &direction),
                             "reading back the period size", device: device)
        try ALSAStatus.check(snd_pcm_hw_params_get_buffer_size(hw, &buffer),
                             "reading back the buffer size", device: device)
        return Settings(encoding: encoding, channels: Int(channels), rate: Int(rate),
                        periodFrames: Int(period), bufferFrames: Int(buffer))
    }
}

private extension SampleEncoding {
    /// The matching ALSA sample format.
    var alsaFormat: snd_pcm_format_t {
        switch self {
        case .u8: return SND_PCM_FORMAT_U8
        case .s8: return SND_PCM_FORMAT_S8
        case .s16LE: return SND_PCM_FORMAT_S16_LE
        case .s16BE: return SND_PCM_FORMAT_S16_BE
        case .s24_3LE: return SND_PCM_FORMAT_S24_3LE
        case .s24_3BE: return SND_PCM_FORMAT_S24_3BE
        case .s24LE: return SND_PCM_FORMAT_S24_LE
        case .s24BE: return SND_PCM_FORMAT_S24_BE
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

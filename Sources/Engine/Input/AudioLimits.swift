/// What any source may declare: the one statement of the limits, and of the message
/// that names a declaration outside them. Every source (WAV and AU headers, raw PCM from
/// the command line, libsndfile, ALSA) and the pipeline check through `check`.
public enum AudioLimits {
    public static let maxChannels = 64
    static let channelCounts = 1...maxChannels
    public static let sampleRates = 1000...768_000

    /// Throws `error` with one line, "`declarer` says 65 channels; expected 1 to 64" (channels
    /// are checked first), when `format` is outside the limits. `declarer` names who said
    /// so: "WAV fmt chunk", "raw input", a file path.
    static func check(_ format: StreamFormat, declaredBy declarer: String,
                      error: (String) -> EngineError = EngineError.inputFormat) throws {
        guard channelCounts.contains(format.channels) else {
            throw error("\(declarer) says \(format.channels) channels; expected 1 to \(maxChannels)")
        }
        guard sampleRates.contains(format.sampleRate) else {
            throw error("\(declarer) says \(format.sampleRate) Hz; expected \(sampleRates.lowerBound) to \(sampleRates.upperBound) Hz")
        }
    }
}

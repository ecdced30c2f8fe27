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

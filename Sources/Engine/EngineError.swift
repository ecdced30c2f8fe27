/// Every failure the engine reports, each mapped to one documented exit code.
///
/// The codes follow BSD `sysexits.h`, so that scripts and service managers can
/// tell bad input from a broken device or a broken model without parsing text.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// Contradictory or impossible settings (exit 64, `EX_USAGE`).
    case usage(String)
    /// Input that cannot be decoded: a lying header, an unsupported codec (exit 65, `EX_DATAERR`).
    case inputFormat(String)
    /// Input that cannot be opened: missing, a directory, unreadable (exit 66, `EX_NOINPUT`).
    case inputUnavailable(String)
    /// The ALSA device could not be opened, configured or read (exit 69, `EX_UNAVAILABLE`).
    case device(String)
    /// A bug: an invariant the engine relies on was broken (exit 70, `EX_SOFTWARE`).
    case internalFault(String)
    /// A live input stayed open but delivered no audio for the stall timeout, and the
    /// run was asked to exit on a stall (exit 75, `EX_TEMPFAIL`: the input may recover,
    /// so a service manager should restart the run, unlike bad data, exit 65).
    case stalled(String)
    /// Writing the results failed for a reason other than a closed reader (exit 74, `EX_IOERR`).
    case output(String)
    /// The model file is missing, corrupt or not what the engine expects (exit 78, `EX_CONFIG`).
    case model(String)

    public var exitCode: Int32 {
        switch self {
        case .usage: return 64
        case .inputFormat: return 65
        case .inputUnavailable: return 66
        case .device: return 69
        case .internalFault: return 70
        case .stalled: return 75
        case .output: return 74
        case .model: return 78
        }
    }

    public var description: String {
        switch self {
        case .usage(let m): return "usage error: \(m)"
        case .inputFormat(let m): return "input format error: \(m)"
        case .inputUnavailable(let m): return "input error: \(m)"
        case .device(let m): return "audio device error: \(m)"
        case .internalFault(let m): return "internal error: \(m)"
        case .stalled(let m): return "input stalled: \(m)"
        case .output(let m): return "output error: \(m)"
        case .model(let m): return "model error: \(m)"
        }
    }
}

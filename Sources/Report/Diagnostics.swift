import Engine
#if canImport(Glibc)
import Glibc
#endif

/// Diagnostics on stderr, one line each, never on stdout (which carries results only).
///
/// Every line starts with `genre-stream: ` and its severity (`error: `, `warning: `,
/// `note: `, or `info: ` for summaries), so that a log reader or `grep` can sort them. When stderr is the
/// systemd journal (the `JOURNAL_STREAM` the journal sets names stderr's device and
/// inode), the line starts with the sd-daemon priority prefix instead of the name (`<3>`, `<4>`,
/// `<5>`, `<6>`), so that `journalctl -p warning` filters on it.
public enum Diagnostics {
    public enum Severity: Int32, Sendable {
        case error = 3, warning = 4, note = 5, info = 6

        var word: String {
            switch self {
            case .error: return "error"
            case .warning: return "warning"
            case .note: return "note"
            case .info: return "info"
            }
        }
    }

    /// Whether stderr is the journal; read once, at the first diagnostic.
    public static let stderrIsJournal: Bool = {
        guard let value = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: value).split(separator: ":")
        var status = stat()
        guard parts.count == 2, fstat(StderrCopy.descriptor, &status) == 0,
              let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }()

    /// The line as it is written, without its newline.
    /// In the journal the program's name is left out: the journal tags every line with the
    /// unit's identifier already (`genre-stream@radio1[pid]: warning: ...`).
    public static func line(_ severity: Severity, _ message: String, journal: Bool = stderrIsJournal) -> String {
        (journal ? "<\(severity.rawValue)>" : "genre-stream: ") + severity.word + ": " + message
    }

    public static func report(_ severity: Severity, _ message: String) {
        writeToStderr(line(severity, message) + "\n")
    }

    /// An input's notice, as a warning or note line.
    public static func report(_ notice: Notice) {
        report(notice.severity == .warning ? .warning : .note, notice.message)
    }

    /// A warning: the run goes on, but something about the input or the result is off.
    public static func warn(_ message: String) { report(.warning, message) }
    /// A note: worth knowing, nothing wrong.
    public static func note(_ message: String) { report(.note, message) }
    /// An error: what stopped the run (or one input), with its exit code decided by the caller.
    public static func error(_ message: String) { report(.error, message) }

    /// Writes whole text to stderr, retrying after signals; a closed stderr is ignored.
    /// Through the engine's copy of descriptor 2 (`StderrCopy`): a decoder muted on 2
    /// never hides a line of ours, whichever thread writes it.
    public static func writeToStderr(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(StderrCopy.descriptor, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}

import Engine
#if canImport(Glibc)
import Glibc
#endif

/// Writes result lines to a file descriptor (stdout, or a file it opened), each line
/// whole and written as it comes: no buffering that a crash or a kill could lose.
///
/// Sendable because it holds only a file descriptor: concurrent writers (the summary
/// thread) serialise their lines themselves.
public final class LineWriter: @unchecked Sendable {
    /// The reader went away (`genre-stream | head -n 2`): not an error, the run just ends.
    public struct ReaderClosed: Error {}

    private let fd: Int32
    private let ownsDescriptor: Bool
    /// Names the destination in error messages.
    public let name: String

    public init(fileDescriptor: Int32 = 1) {
        fd = fileDescriptor
        ownsDescriptor = false
        name = fileDescriptor == 1 ? "stdout" : "file descriptor \(fileDescriptor)"
    }

    /// Appends to a file, creating it (mode 0644 less the umask): logs that survive restarts.
    public init(appendingTo path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EngineError.output("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        fd = descriptor
        ownsDescriptor = true
        name = path
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    public func write(line: String) throws {
        var text = line
        text.append("\n")
        try text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n >= 0 { offset += n; continue }
                switch errno {
                case EINTR, EAGAIN: continue  // a signal arrived mid-line: finish the line first
                case EPIPE: throw ReaderClosed()
                default: throw EngineError.output("cannot write to \(name): \(String(cString: strerror(errno)))")
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Writes result lines to a file descriptor (stdout), each line whole and
/// flushed as it is written: no buffering that a crash or a kill could lose.
public final class LineWriter {
    /// The reader went away (`genre-stream | head -n 2`): not an error, the run just ends.
    public struct ReaderClosed: Error {}

    private let fd: Int32

    public init(fileDescriptor: Int32 = 1) {
        fd = fileDescriptor
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
                default: throw EngineError.output("cannot write to stdout: \(String(cString: strerror(errno)))")
                }
            }
        }
    }
}

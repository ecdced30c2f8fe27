#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to stderr. Diagnostics never go to stdout, which carries results only.
public func warn(_ message: String) {
    let line = "genre-stream: " + message + "\n"
    var bytes = Array(line.utf8)
    bytes.withUnsafeMutableBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(2, raw.baseAddress! + offset, raw.count - offset)
            if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
            offset += n
        }
    }
}

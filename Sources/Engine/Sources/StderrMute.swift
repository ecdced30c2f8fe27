#if canImport(Glibc)
import Glibc
#endif

/// Points file descriptor 2 at /dev/null while a chatty C library runs: libsndfile
/// decodes MP3 with libmpg123, which prints its own notes ("Trying to resync...",
/// "Giving up resync") to stderr and has no switch for that in libsndfile's API. Our
/// errors are one line each. Not for use while another thread may write to stderr: the
/// engine reads sources on one thread, and `warn` is never called while muted, except
/// inside `unmuted`.
final class StderrMute {
    private var saved: Int32 = -1

    func muted<T>(_ body: () throws -> T) rethrows -> T {
        guard saved < 0 else { return try body() }
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        let copy = dup(2)
        guard null >= 0, copy >= 0 else {
            if null >= 0 { close(null) }
            if copy >= 0 { close(copy) }
            return try body()
        }
        dup2(null, 2)
        close(null)
        saved = copy
        defer {
            dup2(saved, 2)
            close(saved)
            saved = -1
        }
        return try body()
    }

    /// Inside `muted`, gives stderr back for `body`: a decoder's read callback that may
    /// block on a pipe, during which a stall warning must be seen.
    func unmuted<T>(_ body: () throws -> T) rethrows -> T {
        guard saved >= 0 else { return try body() }
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        dup2(saved, 2)
        defer {
            if null >= 0 {
                dup2(null, 2)
                close(null)
            }
        }
        return try body()
    }
}

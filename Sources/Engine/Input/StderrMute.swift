#if canImport(Glibc)
import Glibc
#endif

/// Points file descriptor 2 at /dev/null while a chatty C library runs: libsndfile
/// decodes MP3 with libmpg123, which prints its own notes ("Trying to resync...",
/// "Giving up resync") to stderr and has no switch for that in libsndfile's API.
/// The program's own lines never go through descriptor 2 while this runs: its
/// diagnostics writer keeps a copy of stderr made at start-up (`StderrCopy`), so a
/// stall warning raised while libsndfile waits on the pipe, or a summary another
/// thread writes on SIGUSR1 mid-decode, is never lost to the mute.
final class StderrMute {
    private var saved: Int32 = -1

    func muted<T>(_ body: () throws -> T) rethrows -> T {
        guard saved < 0 else { return try body() }
        // The copy must exist before descriptor 2 is pointed away, or it would copy /dev/null.
        _ = StderrCopy.descriptor
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
}

/// A copy of descriptor 2 made once, before any `StderrMute` points 2 elsewhere: where
/// the program's own diagnostics and summaries are written.
public enum StderrCopy {
    public static let descriptor: Int32 = {
        let copy = fcntl(2, F_DUPFD_CLOEXEC, 3)
        return copy >= 0 ? copy : 2
    }()
}

import Engine
import Report

#if canImport(Glibc)
import Glibc
#endif

/// SIGUSR1 asks for a summary of the input so far. The main thread may be blocked in
/// a read for as long as a stream stalls, so a thread of its own waits for the
/// signal (`sigwait`) and writes the summary at once; the signal is blocked in every
/// other thread, which is why this is installed before any other thread starts.
enum SummarySignal {
    static func install(_ report: SummaryReport) {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGUSR1)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        // The thread lives as long as the process: it keeps its own reference.
        let context = Unmanaged.passRetained(report).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            let report = Unmanaged<SummaryReport>.fromOpaque(context!).takeUnretainedValue()
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGUSR1)
            var received: Int32 = 0
            while sigwait(&signals, &received) == 0 { report.writeSnapshot() }
            return nil
        }, context)
        if started == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<SummaryReport>.fromOpaque(context).release()
            Diagnostics.warn("cannot start the SIGUSR1 summary thread: \(String(cString: strerror(started))); SIGUSR1 is ignored")
        }
    }
}

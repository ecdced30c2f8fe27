import Engine
import Report

#if canImport(Glibc)
import Glibc
#endif

/// Maps how a run ended to the exit codes the README documents, in one place.
enum Runner {
    /// Runs `body` with the signal handlers installed; returns the exit code.
    static func exitCode(_ body: () throws -> Int32) -> Int32 {
        installSignalHandlers()
        do {
            let code = try body()
            // A stop by signal ends after the current line: report which signal.
            return StopRequest.isSet ? 128 + StopRequest.signal : code
        } catch is LineWriter.ReaderClosed {
            return 0  // the reader of stdout left (`| head`): nothing more to say
        } catch let error as EngineError {
            Diagnostics.error(error.description)
            return error.exitCode
        } catch let failure as LiveMonitorSink.Failure {
            Diagnostics.error(failure.message)
            return failure.exitCode
        } catch {
            Diagnostics.error("internal error: \(error)")
            return 70
        }
    }

    /// SIGINT, SIGTERM and SIGHUP request a stop that finishes the current line;
    /// SIGPIPE is ignored so that a closed stdout shows up as EPIPE on write.
    /// No SA_RESTART: a blocking read returns with EINTR so the stop is seen at once.
    private static func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { StopRequest.set(signal: $0) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }
}

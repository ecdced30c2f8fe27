import ArgumentParser
import Engine
import Report
import Monitor

/// `--listen`: the live page and metrics, a sink of window results. Started before any
/// audio is read, so that a bad address or a port in use ends the run at once. Without
/// the option nothing of the monitor exists: no thread, no socket.
final class LiveMonitorSink: EventSink {
    static let help = ArgumentHelp(
        "Serve a live page (/), Prometheus metrics (/metrics) and the recent windows as JSON (/api/recent, /api/current) at this address. "
            + "PORT alone means 127.0.0.1:PORT; every interface only when asked for (0.0.0.0:PORT, [::]:PORT); port 0 picks a free one. Off by default.",
        valueName: "addr:port")

    private let monitor: LiveMonitor

    /// A malformed address is a usage error (exit 64), found before anything starts.
    static func validate(_ text: String?) throws {
        guard let text else { return }
        do { _ = try ListenAddress(parsing: text) } catch { throw ValidationError(error.description) }
    }

    /// Binds and starts serving; a port in use or an address that cannot be bound is
    /// `EngineError.device`-like unavailability, reported with the monitor's exit code.
    init(listen text: String, model: ModelFile, hopSeconds: Double, stream: String?) throws {
        monitor = LiveMonitor(labels: model.labels, hopSeconds: hopSeconds, model: model.name, stream: stream)
        do {
            let bound = try monitor.start(listen: try ListenAddress(parsing: text))
            Diagnostics.note("listening on \(bound.url)")
        } catch {
            throw Failure(message: error.description, exitCode: error.exitCode)
        }
    }

    /// Why the monitor could not start, with its documented exit code (64 or 69).
    struct Failure: Error {
        var message: String
        var exitCode: Int32
    }

    func handle(_ event: StreamEvent) throws {
        switch event.kind {
        case .window(let result): monitor.record(result, wallSeconds: event.wallSeconds)
        case .stalled: monitor.recordStall()
        case .resumed: monitor.recordResumed()
        default: break
        }
    }
}

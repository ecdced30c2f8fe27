import ArgumentParser
import Engine
import Monitor

/// `--listen`: the live page and metrics, started before any audio is read so that a
/// bad address or a port in use ends the run at once. Without the option nothing of
/// the monitor exists: no thread, no socket.
enum Listen {
    static let help = ArgumentHelp(
        "Serve a live page (/), Prometheus metrics (/metrics) and the recent windows as JSON (/api/recent) at this address. "
            + "PORT alone means 127.0.0.1:PORT; every interface only when asked for (0.0.0.0:PORT, [::]:PORT); port 0 picks a free one. Off by default.",
        valueName: "addr:port")

    /// A malformed address is a usage error (exit 64), found before anything starts.
    static func validate(_ text: String?) throws {
        guard let text else { return }
        do { _ = try ListenAddress(parsing: text) } catch { throw ValidationError(error.description) }
    }

    /// What starting the monitor gave: the pipeline's window sink, or the exit code of a failure (reported here).
    struct Outcome {
        var sink: ((WindowResult) -> Void)?
        var failure: Int32?
    }

    static func start(_ text: String?, model: ModelFile, hopSeconds: Double) -> Outcome {
        guard let text else { return Outcome() }
        do {
            let address = try ListenAddress(parsing: text)
            let monitor = LiveMonitor(labels: model.labels, hopSeconds: hopSeconds, model: model.name)
            let bound = try monitor.start(listen: address)
            note("listening on \(bound.url)")
            return Outcome(sink: { monitor.record($0) })
        } catch {
            reportError(error.description)
            return Outcome(failure: error.exitCode)
        }
    }
}

import Engine
import Synchronization

/// The summary of the input in progress: written at its end, and on request (SIGUSR1,
/// from another thread), to stderr or appended to a file.
public final class SummaryReport: EventSink, Sendable {
    /// Where summaries go.
    public enum Destination: Sendable {
        case stderr
        case file(LineWriter)
    }

    private struct State: ~Copyable, Sendable {
        var summary: RunSummary?
        var destination: Destination
    }

    private let state: Mutex<State>
    private let formatter: SummaryFormatter
    /// False: only SIGUSR1 writes a summary.
    private let atEndOfInput: Bool

    public init(destination: Destination, json: Bool, atEndOfInput: Bool) {
        state = Mutex(State(summary: nil, destination: destination))
        formatter = SummaryFormatter(json: json)
        self.atEndOfInput = atEndOfInput
    }

    public func startInput(source: String) throws {
        state.withLock { $0.summary = RunSummary(source: source) }
    }

    public func handle(_ event: StreamEvent) throws {
        switch event.kind {
        case .window(let result): state.withLock { $0.summary?.add(result) }
        case .stalled: state.withLock { $0.summary?.addStall() }
        default: break
        }
    }

    /// The reader of stdout has gone (`| head`): the run ends quietly, so the summary
    /// that would go to stderr at the end of this input is dropped (one for a file stays).
    public func readerLeft() {
        state.withLock { state in
            if case .stderr = state.destination { state.summary = nil }
        }
    }

    /// The input could not be opened: no summary of it.
    public func discardInput() {
        state.withLock { $0.summary = nil }
    }

    public func finishInput() throws {
        try state.withLock { state in
            guard var summary = state.summary else { return }
            summary.isFinal = true
            state.summary = nil
            guard atEndOfInput else { return }
            try write(summary, to: state.destination)
        }
    }

    /// The input in progress so far (SIGUSR1); nothing between inputs. Errors are
    /// reported, not thrown: the request comes from the signal thread.
    public func writeSnapshot() {
        state.withLock { state in
            guard let summary = state.summary else { return }
            do { try write(summary, to: state.destination) } catch { Diagnostics.error("\(error)") }
        }
    }

    private func write(_ summary: RunSummary, to destination: Destination) throws {
        let lines = formatter.lines(for: summary)
        switch destination {
        case .stderr where formatter.json:
            // Bare JSON, for `2>&1 >/dev/null | jq`; the journal's priority prefix only when it is the journal.
            Diagnostics.writeToStderr(lines.map { (Diagnostics.stderrIsJournal ? "<6>" : "") + $0 + "\n" }.joined())
        case .stderr:
            Diagnostics.writeToStderr(lines.map { Diagnostics.line(.info, $0) + "\n" }.joined())
        case .file(let writer):
            for line in lines { try writer.write(line: line) }
        }
    }
}

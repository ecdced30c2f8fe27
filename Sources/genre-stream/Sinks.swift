import Engine
import Synchronization

/// Where window results go. The engine hands out results; the CLI composes these
/// sinks (window lines, segment lines, summaries, the live monitor) per run.
protocol ResultSink: AnyObject {
    /// A window's result, as soon as it is known; `wallSeconds` is the wall clock then.
    func window(_ result: WindowResult, wallSeconds: Double) throws
    /// The input ended (or a stop was requested): what is in progress is written out.
    func endOfInput() throws
}

/// One line per window, in the chosen format (CSV's header once, before the first).
final class WindowLines: ResultSink {
    private let formatter: LineFormatter
    private let writer: LineWriter

    init(formatter: LineFormatter, writer: LineWriter) throws {
        self.formatter = formatter
        self.writer = writer
        if let header = formatter.headerLine { try writer.write(line: header) }
    }

    func window(_ result: WindowResult, wallSeconds: Double) throws {
        try writer.write(line: formatter.line(for: result, wallSeconds: wallSeconds))
    }

    func endOfInput() throws {}
}

/// One line per segment, written when the smoothed label changes and at the end of each input.
final class SegmentLines: ResultSink {
    private var tracker = SegmentTracker()
    private let formatter: SegmentFormatter
    private let writer: LineWriter

    init(formatter: SegmentFormatter, writer: LineWriter) throws {
        self.formatter = formatter
        self.writer = writer
        if let header = formatter.headerLine { try writer.write(line: header) }
    }

    func window(_ result: WindowResult, wallSeconds: Double) throws {
        try tracker.process(result, wallSeconds: wallSeconds) { try writer.write(line: formatter.line(for: $0)) }
    }

    func endOfInput() throws {
        try tracker.finish { try writer.write(line: formatter.line(for: $0)) }
    }

    /// A stall ends the segment in progress: the time without audio is in no segment.
    func stalled() throws {
        try tracker.breakSegment { try writer.write(line: formatter.line(for: $0)) }
    }
}

/// The summary of the input in progress: written at its end, and on request (SIGUSR1,
/// from another thread: see `SummarySignal`), to stderr or appended to a file.
final class SummaryReport: ResultSink, Sendable {
    /// Where summaries go.
    enum Destination: Sendable {
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

    init(destination: Destination, json: Bool, atEndOfInput: Bool) {
        state = Mutex(State(summary: nil, destination: destination))
        formatter = SummaryFormatter(json: json)
        self.atEndOfInput = atEndOfInput
    }

    func startInput(source: String) {
        state.withLock { $0.summary = RunSummary(source: source) }
    }

    func window(_ result: WindowResult, wallSeconds: Double) throws {
        state.withLock { $0.summary?.add(result) }
    }

    func stalled() {
        state.withLock { $0.summary?.addStall() }
    }

    /// The reader of stdout has gone (`| head`): the run ends quietly, so the summary
    /// that would go to stderr at the end of this input is dropped (one for a file stays).
    func readerLeft() {
        state.withLock { state in
            if case .stderr = state.destination { state.summary = nil }
        }
    }

    func endOfInput() throws {
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
    func writeSnapshot() {
        state.withLock { state in
            guard let summary = state.summary else { return }
            do { try write(summary, to: state.destination) } catch { reportError("\(error)") }
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

import Engine

/// Where a run's events go. The engine emits `StreamEvent`s; a session hands each to
/// every sink it was composed with (window lines, segment lines, the summary, notices
/// on stderr, the live monitor), and each decides what to make of it.
public protocol EventSink: AnyObject {
    /// An input begins, under the name the outputs give it.
    func startInput(source: String) throws
    /// One event of the input in progress, in the order the engine emitted them.
    func handle(_ event: StreamEvent) throws
    /// The input is over (its end, a stop, or an error): what is in progress is written out.
    func finishInput() throws
}

extension EventSink {
    public func startInput(source: String) throws {}
    public func finishInput() throws {}
}

/// Writes lines of one format to one writer, CSV's header once, before the first.
public class FormattedLines<Formatter> {
    let formatter: Formatter
    let writer: LineWriter

    init(formatter: Formatter, header: String?, writer: LineWriter) throws {
        self.formatter = formatter
        self.writer = writer
        if let header { try writer.write(line: header) }
    }
}

/// One line per window, in the chosen format.
public final class WindowLines: FormattedLines<LineFormatter>, EventSink {
    /// Stall events since the last window: the next line's `stalls`.
    private var stalls = 0

    public init(formatter: LineFormatter, writer: LineWriter) throws {
        try super.init(formatter: formatter, header: formatter.headerLine, writer: writer)
    }

    public func handle(_ event: StreamEvent) throws {
        switch event.kind {
        case .window(let result):
            try writer.write(line: formatter.line(for: result, wallSeconds: event.wallSeconds, stalls: stalls))
            stalls = 0
        case .stalled: stalls += 1
        default: break
        }
    }

    public func finishInput() throws { stalls = 0 }
}

/// One line per segment, written when the smoothed label changes, at a stall (the time
/// without audio is in no segment) and at the end of each input.
public final class SegmentLines: FormattedLines<SegmentFormatter>, EventSink {
    private var tracker = SegmentTracker()

    public init(formatter: SegmentFormatter, writer: LineWriter) throws {
        try super.init(formatter: formatter, header: formatter.headerLine, writer: writer)
    }

    public func handle(_ event: StreamEvent) throws {
        switch event.kind {
        case .window(let result):
            try tracker.process(result, wallSeconds: event.wallSeconds) { try writer.write(line: formatter.line(for: $0)) }
        case .stalled:
            try tracker.breakSegment { try writer.write(line: formatter.line(for: $0)) }
        default: break
        }
    }

    public func finishInput() throws {
        try tracker.finish { try writer.write(line: formatter.line(for: $0)) }
    }
}

/// The input's notices, stalls and end as diagnostic lines on stderr: the one place a
/// run's events become words for the operator.
final class NoticeLines: EventSink {
    private var source = ""
    /// Say "input ended" when the input ends by itself (a live stdin or device: a writer
    /// that went away); a file's end is no news. Set per input by the session.
    var announcesEnd = false

    init() {}

    public func startInput(source: String) throws { self.source = source }

    public func handle(_ event: StreamEvent) throws {
        switch event.kind {
        case .notice(let notice):
            Diagnostics.report(notice)
        case .stalled(let seconds, let endsRun) where !endsRun:
            // A stall that ends the run is said once, by the error that ends it.
            Diagnostics.warn("\(source): no audio for \(TextFormatting.fixed(seconds, 1)) s: the input is open but stalled; waiting")
        case .resumed(let seconds):
            Diagnostics.note("\(source): audio again after \(TextFormatting.fixed(seconds, 1)) s")
        case .ended(let end) where announcesEnd && !end.stoppedBySignal:
            Diagnostics.note("\(source): input ended after \(TextFormatting.fixed(end.seconds, 1)) s of audio")
        default: break
        }
    }
}

/// What a run of one input hands its caller, in the order it happened, each stamped
/// once, here: every consumer (lines, segments, summaries, metrics, the page) reads
/// the same times, so nothing reads the wall clock again and nothing dedups.
public struct StreamEvent: Sendable {
    public enum Kind: Sendable {
        /// A window classified (or, with `--lag-seconds`, decided): its result.
        case window(WindowResult)
        /// A warning or note about the input (see `Notice`).
        case notice(Notice)
        /// A live input is open but has sent no audio for the stall timeout (once per
        /// episode). `endsRun`: the watch was told to end the run on a stall; the run
        /// throws `EngineError.stalled` right after this event.
        case stalled(secondsWithoutAudio: Double, endsRun: Bool)
        /// Audio came again after a stall: said just before the next window, so that
        /// bytes that only end the stream (a writer flushing as it exits) are no resumption.
        case resumed(secondsStalled: Double)
        /// The input ended, or a stop was requested (`stoppedBySignal`). Always the last
        /// event of a run that does not throw.
        case ended(InputEnd)
    }

    public var kind: Kind
    /// Seconds of the input heard when it happened (a window: its end).
    public var streamSeconds: Double
    /// Unix time, seconds, when it was handed out.
    public var wallSeconds: Double

    public init(_ kind: Kind, streamSeconds: Double, wallSeconds: Double) {
        self.kind = kind
        self.streamSeconds = streamSeconds
        self.wallSeconds = wallSeconds
    }
}

/// How an input's run ended.
public struct InputEnd: Sendable, Equatable {
    /// Windows handed out.
    public var windows: Int
    /// Seconds of audio heard.
    public var seconds: Double
    /// A stop was requested (SIGINT, SIGTERM, SIGHUP) before the input ended.
    public var stoppedBySignal: Bool

    public init(windows: Int, seconds: Double, stoppedBySignal: Bool) {
        self.windows = windows
        self.seconds = seconds
        self.stoppedBySignal = stoppedBySignal
    }
}

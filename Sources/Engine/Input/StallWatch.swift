#if canImport(Glibc)
import Glibc
#endif

/// What a `StallWatch` reports, on the thread that reads the source.
enum StallEvent: Equatable, Sendable {
    /// No audio for the watch's timeout (reported once per episode): the writer or the
    /// device is alive but sends nothing. The value is the seconds since the last audio.
    case stalled(secondsWithoutAudio: Double)
    /// Audio came again after a reported stall; the value is the whole gap, from the last
    /// audio before the stall to this.
    case resumed(secondsStalled: Double)
}

/// Notices a live input that stays open and delivers nothing: a pipe whose writer hangs,
/// a capture device that stopped producing periods. A closed input is an end of stream,
/// not a stall. Sources that wait for input (stdin on a pipe, ALSA) take one at init;
/// regular files never wait, so they ignore it.
///
/// Time is CLOCK_MONOTONIC, counted from the first wait or the last audio, so it is not
/// fooled by clock changes and does not count time spent opening the source.
public final class StallWatch {
    /// Seconds without audio that make a stall.
    public let timeout: Double
    /// When true, a stall ends the run: the source throws `EngineError.stalled` (exit 75)
    /// instead of reporting `.stalled`, so that a service manager can restart it.
    public let exitOnStall: Bool
    /// Stall episodes begun since this watch was made.
    private(set) var stallCount = 0

    /// Hears each event as it happens, on the reading thread: the pipeline's run sets it
    /// for its duration, so that stalls reach its caller as `StreamEvent`s like the rest.
    /// A throw (a closed stdout while a stall ends a segment) ends the read with it.
    var onEvent: ((StallEvent) throws -> Void)?
    private let clock: () -> Double
    private var lastAudio: Double?
    private var stalled = false

    public convenience init(timeout: Double, exitOnStall: Bool = false) {
        self.init(timeout: timeout, exitOnStall: exitOnStall, clock: Clocks.monotonicSeconds)
    }

    /// `clock`: seconds on any fixed origin; tests pass their own.
    init(timeout: Double, exitOnStall: Bool, clock: @escaping () -> Double, onEvent: ((StallEvent) throws -> Void)? = nil) {
        self.timeout = timeout
        self.exitOnStall = exitOnStall
        self.clock = clock
        self.onEvent = onEvent
    }

    /// For tests: a watch on the monotonic clock that tells `onEvent`.
    convenience init(timeout: Double, exitOnStall: Bool = false, onEvent: @escaping (StallEvent) throws -> Void) {
        self.init(timeout: timeout, exitOnStall: exitOnStall, clock: Clocks.monotonicSeconds, onEvent: onEvent)
    }

    /// Audio arrived (any bytes or frames at all).
    func heard() throws {
        let now = clock()
        if stalled {
            stalled = false
            try onEvent?(.resumed(secondsStalled: now - (lastAudio ?? now)))
        }
        lastAudio = now
    }

    /// A wait for input ended with nothing. Reports a stall the first time the silence
    /// reaches `timeout`; with `exitOnStall`, throws `EngineError.stalled` naming `input`.
    func waited(for input: String) throws {
        let now = clock()
        guard let last = lastAudio else {
            lastAudio = now
            return
        }
        let silent = now - last
        guard !stalled, silent >= timeout else { return }
        stalled = true
        stallCount += 1
        // Told first even when it ends the run: every consumer counts it the same way.
        try onEvent?(.stalled(secondsWithoutAudio: silent))
        if exitOnStall {
            throw EngineError.stalled("\(input): no audio for \(TextFormatting.fixed(silent, 1)) s; it is open but sends nothing")
        }
    }
}

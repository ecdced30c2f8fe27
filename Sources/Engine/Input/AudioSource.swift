/// How interleaved samples arrive from a source, before downmixing and resampling.
public struct StreamFormat: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int

    public init(sampleRate: Int, channels: Int) {
        self.sampleRate = sampleRate
        self.channels = channels
    }
}

/// A source of interleaved float samples, full scale = 1.0.
///
/// Sources are pulled: the pipeline calls `read(into:)` until it returns 0.
/// A source owns its C handles and closes them in `deinit`.
public protocol AudioSource: AnyObject {
    /// Known once the source is open (after any header has been read).
    var format: StreamFormat { get }
    /// Names the source in output lines: `stdin`, a file path, `alsa:hw:1,0`.
    var name: String { get }
    /// Writes whole frames (`channels` samples each) into `buffer` and returns the
    /// number of samples written, a multiple of `channels`; 0 means end of stream.
    /// May block until audio arrives. Returns early (possibly 0) when interrupted
    /// by a signal, so that the caller can check for a stop request.
    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int
    /// Gaps in the audio (ALSA overruns) since the last call; 0 for sources without gaps.
    func takeDiscontinuities() -> Int
    /// What opening and reading raised for the user since the last call (see `Notice`);
    /// empty for sources that never raise any.
    func takeNotices() -> [Notice]
    /// The watch that notices this input stalling (pipes, devices); nil for inputs that
    /// cannot stall. The pipeline routes its events for the length of a run.
    var stallWatch: StallWatch? { get }
    /// A live input (a pipe, a socket, a device): its end is news, a writer that went
    /// away; false for files, whose end is expected.
    var isLive: Bool { get }
}

extension AudioSource {
    public func takeDiscontinuities() -> Int { 0 }
    public func takeNotices() -> [Notice] { [] }
    public var stallWatch: StallWatch? { nil }
    public var isLive: Bool { false }
}

import Engine

/// What a session reads, as the command line named it.
public enum Input: Sendable, Equatable {
    /// Standard input: WAV, AU, compressed audio or raw PCM described by `raw`.
    case stdin(raw: RawPCMFormat)
    /// An audio file libsndfile reads.
    case file(String)
    /// An ALSA capture device, opened at `preferredRate` if it offers it.
    case device(String, preferredRate: Int)
}

/// Runs inputs through one pipeline and hands every event to every sink: the loop over
/// inputs and its error policy. An input that cannot be opened or decoded (exit 65 or
/// 66) is reported and skipped when others follow; anything else ends the session. What
/// was computed before an error is still written out: segments and the summary.
public final class Session {
    private let pipeline: Pipeline
    private let sinks: [EventSink]
    /// Notices, stalls and the end of a live input, on stderr: every session has them.
    private let noticeLines = NoticeLines()
    private let streamName: String?
    private let makeStallWatch: () -> StallWatch?

    /// Whether the end of a live input is said on stderr (see `NoticeLines`).
    private let announcesEnd: Bool

    /// `streamName`: the `--name` every output gives the input instead of its own;
    /// `stallWatch`: a new watch for each live input (nil: none watched);
    /// `announcesEnd`: say "input ended" when a live input (a pipe, a device) ends by
    /// itself. The CLI asks for it when no summary on stderr says so already.
    public init(pipeline: Pipeline, sinks: [EventSink], streamName: String? = nil, announcesEnd: Bool = true,
                stallWatch: @escaping () -> StallWatch? = { nil }) {
        self.pipeline = pipeline
        self.sinks = sinks
        self.streamName = streamName
        self.announcesEnd = announcesEnd
        makeStallWatch = stallWatch
    }

    /// Runs `inputs` in order and returns the exit code of the first input that was
    /// skipped (65 or 66), else 0. Throws what ended the session early.
    public func run(_ inputs: [Input]) throws -> Int32 {
        var skipped: Int32 = 0
        for input in inputs {
            if StopRequest.isSet { break }
            do {
                try run(input)
            } catch let error as EngineError where inputs.count > 1 && (error.exitCode == 65 || error.exitCode == 66) {
                Diagnostics.error(error.description)
                skipped = skipped == 0 ? error.exitCode : skipped
            }
        }
        return skipped
    }

    /// One input, start to end: every sink hears it begin, every event (from its opening
    /// on: a live input may stall before its header), and its end, even when the run throws.
    public func run(_ input: Input) throws {
        let watch: StallWatch?, name: String
        switch input {
        case .stdin: (watch, name) = (makeStallWatch(), "stdin")
        case .file(let path): (watch, name) = (nil, path)
        case .device(let device, _): (watch, name) = (makeStallWatch(), ALSACapture.sourceName(device: device))
        }
        let sinks = [noticeLines] + self.sinks
        for sink in sinks { try sink.startInput(source: streamName ?? name) }
        noticeLines.announcesEnd = false
        var failure: Error? = nil, opened = false
        do {
            try pipeline.run(opening: {
                let source: AudioSource = switch input {
                case .stdin(let raw): try StdinSource(fileDescriptor: 0, raw: raw, stallWatch: watch)
                case .file(let path): try SoundFileSource(path: path)
                case .device(let device, let rate): try ALSACapture(device: device, preferredRate: rate, stallWatch: watch)
                }
                opened = true
                noticeLines.announcesEnd = announcesEnd && source.isLive
                return streamName.map { NamedSource(source, name: $0) } ?? source
            }, stallWatch: watch) { event in
                for sink in sinks { try sink.handle(event) }
            }
        } catch {
            // The reader of stdout has gone (`| head`): the run ends quietly.
            if error is LineWriter.ReaderClosed {
                for case let report as SummaryReport in sinks { report.readerLeft() }
            }
            // An input that could not be opened has nothing to sum up: its error says it all.
            if !opened {
                for case let report as SummaryReport in sinks { report.discardInput() }
            }
            failure = error
        }
        for sink in sinks {
            do { try sink.finishInput() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }
}

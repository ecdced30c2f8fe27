import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Engine
import Report

/// The main job: audio in, one genre line per window out.
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",  // given, not derived: the parser derives it by reflection, ~0.2 ms of start-up
        abstract: "Classify audio from stdin, an ALSA device or files (the default command).")

    @Argument(help: ArgumentHelp("Audio files (wav, flac, ogg, mp3, ...), processed in order; '-' or none reads stdin.",
                                 valueName: "file"))
    var files: [String] = []

    @Option(name: [.customShort("f"), .customLong("format")],
            help: ArgumentHelp("Raw PCM sample format on stdin when there is no WAV/AU header, with arecord's names: \(RawPCMFormat.arecordNames) (cd and dat also set rate and channels, unless -r/-c are given). Default S16_LE.",
                               valueName: "format"))
    var rawFormat: String?

    @Option(name: [.customShort("r"), .customLong("rate")], help: ArgumentHelp("Raw PCM sample rate in Hz. Default: the model's rate (16000 for musicnn, 22050 for small).", valueName: "hz"))
    var rawRate: Int?

    @Option(name: [.customShort("c"), .customLong("channels")], help: ArgumentHelp("Raw PCM channel count. Default 1.", valueName: "n"))
    var rawChannels: Int?

    @Option(name: [.customShort("D"), .customLong("device")], help: ArgumentHelp("Capture from this ALSA device (default, hw:1,0, plughw:...) instead of stdin.", valueName: "name"))
    var device: String?

    @Option(help: ArgumentHelp("A built-in model (\(ModelFile.BuiltIn.allCases.map(\.rawValue).joined(separator: ", ")); see 'genre-stream models') or a model file. Default: \(ModelFile.BuiltIn.standard.rawValue).", valueName: "name|path"))
    var model: String?

    @Flag(help: ArgumentHelp("Also print the model's free tags (musicnn: 50 Last.fm tags such as 'female vocalists', 'dance', '80s') and, for the fused default, YAMNet's 521 AudioSet sounds ('Saxophone', 'Applause', 'Electronic music'): the top ones in human lines, all in jsonl and csv. On by itself for a model without genres."))
    var tags = false

    @Option(name: .customLong("top-tags"), help: ArgumentHelp("Tags listed per line in the human format.", valueName: "n"))
    var topTags: Int = 5

    @Option(help: ArgumentHelp("Output format: human, jsonl or csv.", valueName: "format"))
    var output: String = "human"

    @Option(help: ArgumentHelp("Time stamp: 'stream' (position in the audio) or 'wall' (ISO-8601 UTC wall clock).", valueName: "clock"))
    var clock: String = "stream"

    @Option(help: ArgumentHelp("Genres listed per line in the human format.", valueName: "n"))
    var top: Int = 3

    @Option(name: .customLong("silence-db"), help: ArgumentHelp("Windows quieter than this level (dBFS) are labelled 'silence'.", valueName: "dBFS"))
    var silenceDB: Double = -60

    @Option(name: .customLong("hop-seconds"),
            help: ArgumentHelp("Seconds between window starts; below the window length (3 s) windows overlap. Default: the window length.", valueName: "seconds"))
    var hopSeconds: Double?

    @Option(help: ArgumentHelp("How the label follows the windows (default 'songs', or 'hmm' when --smooth-seconds or --evidence-weight is given): 'songs' (song-aware: the decision over the current song's windows, a new song found where the genre evidence changes or after talk or silence), 'hmm' (the older HMM forward filter) or 'off' (each window's own label).", valueName: "mode"))
    var smooth: String?

    @Option(name: .customLong("change-nats"),
            help: ArgumentHelp("For --smooth songs: how much the windows must favour another genre (CUSUM of log-probability ratios, in nats) before a new song is taken to have begun; lower follows changes sooner, higher holds the label steadier.", valueName: "nats"))
    var changeNats: Double?

    @Option(name: .customLong("lag-seconds"),
            help: ArgumentHelp("For --smooth songs: decide each window's label with this many seconds of later audio (a fixed-lag decision, for logs that can wait): lines come that much later, each still saying the time it describes. 0 to 120.", valueName: "seconds"))
    var lagSeconds: Double?

    @Option(name: .customLong("talk-reset-seconds"),
            help: ArgumentHelp("For --smooth songs: talk (speech, other) at least this long ends the song; the next one starts with no carried belief.", valueName: "seconds"))
    var talkResetSeconds: Double?

    @Option(name: .customLong("smooth-seconds"),
            help: ArgumentHelp("For --smooth hmm: the time constant, in seconds, over which the belief in the genre playing fades without new evidence; shorter follows changes sooner, longer holds the label steadier. The same whatever --hop-seconds.", valueName: "seconds"))
    var smoothSeconds: Double?

    @Option(name: .customLong("evidence-weight"),
            help: ArgumentHelp("For --smooth hmm: each window's probabilities count as p^w; below 1 a single confident odd window moves the label less (0 < w <= 1).", valueName: "w"))
    var evidenceWeight: Double?

    @Option(help: ArgumentHelp("Stop each input after this many seconds of audio.", valueName: "seconds"))
    var duration: Double?

    @Option(name: .customLong("dead-air-db"),
            help: ArgumentHelp("Windows quieter than this level (dBFS) whose level is near-constant (a noise floor, dither, hum: dead air) are also 'silence'; 'off' turns the test off. Default \(Int(PipelineSettings.defaultDeadAirDBFS)).", valueName: "dBFS|off"))
    var deadAirDB: String?

    @Option(name: .customLong("dead-air-spread"),
            help: ArgumentHelp("For --dead-air-db: the largest spread (standard deviation, dB) of a window's hop levels that still counts as near-constant.", valueName: "dB"))
    var deadAirSpread: Double = PipelineSettings.defaultDeadAirSpreadDB

    @Option(name: .customLong("stall-timeout"),
            help: ArgumentHelp("A pipe or device that stays open but sends no audio for this long is stalled: one warning line, a count in the summary, JSONL ('stalls') and metrics; 0 turns the watchdog off. Files never stall.", valueName: "seconds"))
    var stallTimeout: Double = 30

    @Flag(name: .customLong("exit-on-stall"),
          help: ArgumentHelp("End with exit code 75 (EX_TEMPFAIL) on a stall, after the lines and the summary so far, so that a service manager restarts the input."))
    var exitOnStall = false

    @Flag(help: ArgumentHelp("Print one line per segment (a stretch with one smoothed label: start, end, label, mean confidence) when the label changes, instead of one per window."))
    var segments = false

    @Option(name: .customLong("segments-file"),
            help: ArgumentHelp("Also append segment lines to this file (in the --output format), keeping the window lines on stdout.", valueName: "path"))
    var segmentsFile: String?

    @Option(help: LiveMonitorSink.help) var listen: String?

    @Flag(help: ArgumentHelp("Measure loudness by EBU R128 / ITU-R BS.1770 (libebur128) on the decoded audio, every channel at its own rate: momentary and short-term loudness at each window's end and the true peak within it; integrated loudness and range per segment, per label and for the input in the summary."))
    var loudness = false

    @Option(name: .customLong("name"),
            help: ArgumentHelp("The stream's name, in the source field of every output line and the summary, as a stream label on every metric and in the live page's title (one instance, one stream).", valueName: "name"))
    var streamName: String?

    @Option(help: ArgumentHelp("Where the summary (time per label, segments, windows, silence, gaps, stalls) goes at the end of each input and on SIGUSR1: 'stderr', 'off' (SIGUSR1 then still writes to stderr), or a file to append to. JSON with --output jsonl.", valueName: "stderr|off|path"))
    var summary: String = "stderr"

    func run() throws {
        let code = Runner.exitCode { try classify() }
        if code != 0 { throw ExitCode(code) }
    }

    private func classify() throws -> Int32 {
        var model = try model.map { try ModelFile.load(nameOrPath: $0) } ?? ModelFile.embedded()
        let pipeline = try Pipeline(model: model, settings: pipelineSettings(for: model))
        // The networks hold their own weights now: the file's copies are freed (18 MB for the fused model).
        model = pipeline.model
        let summaryReport = SummaryReport(destination: summary == "stderr" || summary == "off" ? .stderr : .file(try LineWriter(appendingTo: summary)),
                                          json: output == "jsonl", atEndOfInput: summary != "off")
        SummarySignal.install(summaryReport)
        var sinks = try lineSinks(model: model, pipeline: pipeline) + [summaryReport]
        // After the SIGUSR1 thread: the listener's threads inherit its blocked SIGUSR1.
        if let listen { sinks.append(try LiveMonitorSink(listen: listen, model: model, hopSeconds: pipeline.hopSeconds, stream: streamName)) }
        // The summary on stderr says that an input ended; without it, a note does.
        let session = Session(pipeline: pipeline, sinks: sinks, streamName: streamName, announcesEnd: summary != "stderr") { [stallTimeout, exitOnStall] in
            stallTimeout > 0 ? StallWatch(timeout: stallTimeout, exitOnStall: exitOnStall) : nil
        }
        let raw = RawPCMFormat(arecordName: rawFormat ?? "S16_LE", sampleRate: rawRate, channels: rawChannels,
                               defaultSampleRate: model.frontend.sampleRate)!
        let inputs: [Input] = if let device { [.device(device, preferredRate: model.frontend.sampleRate)] }
            else if files.isEmpty { [.stdin(raw: raw)] }
            else { files.map { $0 == "-" ? .stdin(raw: raw) : .file($0) } }
        return try session.run(inputs)
    }
}

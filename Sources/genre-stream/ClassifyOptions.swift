import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Engine
import Report

/// The classify command's options checked (usage errors, exit 64, before anything
/// starts) and turned into what the engine and the report layer take.
extension Classify {
    /// True when stdin is the null device (`< /dev/null`, a service's default).
    static func stdinIsDevNull() -> Bool {
        var input = stat(), null = stat()
        guard fstat(0, &input) == 0, stat("/dev/null", &null) == 0 else { return false }
        return (input.st_mode & S_IFMT) == S_IFCHR && input.st_rdev == null.st_rdev
    }

    /// `--smooth` as given; otherwise the older smoother when one of its settings is
    /// (a command line from before `songs` keeps its meaning), else `songs`.
    var decisionMode: String {
        smooth ?? (smoothSeconds != nil || evidenceWeight != nil ? "hmm" : "songs")
    }

    func validate() throws {
        // A service with no input named reads the /dev/null systemd gives it, ends at once and
        // is restarted for ever (issue 17, defect 4): say so, as a usage error the unit does not restart.
        if files.isEmpty && device == nil && Self.stdinIsDevNull() {
            throw ValidationError("stdin is /dev/null and no input is named: nothing to classify; give FILE..., --device NAME, "
                                  + "or pipe audio in (in a systemd unit: set STREAM_URL or --device)")
        }
        try LiveMonitorSink.validate(listen)
        if let streamName {
            if streamName.isEmpty || streamName.count > 100 || streamName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw ValidationError("--name must be 1 to 100 characters without control characters")
            }
            if files.count > 1 { throw ValidationError("--name names one stream; \(files.count) files were given") }
        }
        if device != nil && !files.isEmpty {
            throw ValidationError("--device captures from ALSA; it cannot be combined with files")
        }
        if let rawFormat, RawPCMFormat(arecordName: rawFormat, sampleRate: nil, channels: nil, defaultSampleRate: 16000) == nil {
            throw ValidationError("unknown --format '\(rawFormat)'; use one of \(RawPCMFormat.arecordNames)")
        }
        if let rawRate, !AudioLimits.sampleRates.contains(rawRate) {
            throw ValidationError("--rate \(rawRate) is outside \(AudioLimits.sampleRates.lowerBound)...\(AudioLimits.sampleRates.upperBound) Hz")
        }
        if let rawChannels, !(1...AudioLimits.maxChannels).contains(rawChannels) {
            throw ValidationError("--channels \(rawChannels) is outside 1...\(AudioLimits.maxChannels)")
        }
        if OutputFormat(rawValue: output) == nil { throw ValidationError("unknown --output '\(output)'; use human, jsonl or csv") }
        if ClockMode(rawValue: clock) == nil { throw ValidationError("unknown --clock '\(clock)'; use stream or wall") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if topTags < 1 { throw ValidationError("--top-tags must be at least 1") }
        if !silenceDB.isFinite { throw ValidationError("--silence-db must be a number of dBFS") }
        if let hopSeconds, !(hopSeconds > 0) { throw ValidationError("--hop-seconds must be greater than 0") }
        if let smooth, !["songs", "hmm", "off"].contains(smooth) { throw ValidationError("unknown --smooth '\(smooth)'; use songs, hmm or off") }
        if let lagSeconds, !(lagSeconds >= 0 && lagSeconds <= 120) { throw ValidationError("--lag-seconds must be a number of seconds from 0 to 120") }
        if let changeNats, !(changeNats > 0 && changeNats.isFinite) { throw ValidationError("--change-nats must be a number greater than 0") }
        if let talkResetSeconds, !(talkResetSeconds > 0 && talkResetSeconds.isFinite) { throw ValidationError("--talk-reset-seconds must be a number of seconds greater than 0") }
        if let evidenceWeight, !(evidenceWeight > 0 && evidenceWeight <= 1) { throw ValidationError("--evidence-weight must be in (0, 1]") }
        if let smoothSeconds, !(smoothSeconds > 0 && smoothSeconds.isFinite) { throw ValidationError("--smooth-seconds must be a number of seconds greater than 0") }
        // Each mode's settings belong to it: a setting of another mode is a mistake worth naming.
        let songsOnly = [("--lag-seconds", lagSeconds), ("--change-nats", changeNats), ("--talk-reset-seconds", talkResetSeconds)]
        if decisionMode != "songs", let (flag, _) = songsOnly.first(where: { $0.1 != nil }) {
            throw ValidationError("\(flag) is a setting of --smooth songs, not of --smooth \(decisionMode)")
        }
        if decisionMode != "hmm", let (flag, _) = [("--smooth-seconds", smoothSeconds), ("--evidence-weight", evidenceWeight)].first(where: { $0.1 != nil }) {
            throw ValidationError("\(flag) is a setting of --smooth hmm, not of --smooth \(decisionMode)")
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be greater than 0") }
        if let deadAirDB, deadAirDB != "off", !(Double(deadAirDB)?.isFinite ?? false) {
            throw ValidationError("--dead-air-db must be a number of dBFS or 'off'")
        }
        if !(deadAirSpread >= 0 && deadAirSpread.isFinite) { throw ValidationError("--dead-air-spread must be a number of dB, 0 or more") }
        if !(stallTimeout >= 0 && stallTimeout.isFinite) { throw ValidationError("--stall-timeout must be a number of seconds, 0 or more") }
        if exitOnStall && stallTimeout == 0 { throw ValidationError("--exit-on-stall needs a --stall-timeout above 0") }
        if summary.isEmpty { throw ValidationError("--summary needs 'stderr', 'off' or a path") }
    }

    /// The engine's settings for `model` from the options: the hop on the model's frame
    /// grid, the decision mode, silence and loudness.
    func pipelineSettings(for model: ModelFile) throws -> PipelineSettings {
        if model.output(ModelOutput.genre) == nil {
            Diagnostics.note("model \(model.name) has no genre output; printing its tags only")
            if segments || segmentsFile != nil {
                throw EngineError.usage("--segments needs a model with a genre output; \(model.name) has tags only")
            }
        }
        let f = model.frontend
        var hopFrames = f.framesPerWindow
        if let hopSeconds {
            hopFrames = f.frames(seconds: hopSeconds)
            guard hopFrames >= 1, hopFrames <= f.framesPerWindow else {
                throw EngineError.usage("--hop-seconds \(hopSeconds) must lie between one frame (\(TextFormatting.fixed(f.seconds(frames: 1), 3)) s) and the window (\(TextFormatting.fixed(f.windowSeconds, 3)) s)")
            }
            // Windows start on frame boundaries: say so when that moves the hop asked for.
            let actual = f.seconds(frames: hopFrames)
            if abs(actual - hopSeconds) > 0.0005 {
                Diagnostics.note("--hop-seconds \(TextFormatting.fixed(hopSeconds, 3)) is rounded to \(hopFrames) frames of model \(model.name) = \(TextFormatting.fixed(actual, 3)) s")
            }
        }
        let decisions: Decisions = switch decisionMode {
        case "off": .off
        case "hmm": .hmm(Smoother.Settings(timeConstant: smoothSeconds ?? Smoother.defaultTimeConstant,
                                           evidenceWeight: evidenceWeight ?? Smoother.defaultEvidenceWeight))
        default: .songs(SongDecisions.Settings(changeNats: changeNats ?? SongDecisions.defaultChangeNats,
                                               talkResetSeconds: talkResetSeconds ?? SongDecisions.defaultTalkResetSeconds))
        }
        var settings = PipelineSettings(
            hopFrames: hopFrames, silenceDBFS: silenceDB,
            deadAirDBFS: deadAirDB == "off" ? nil : deadAirDB.flatMap(Double.init) ?? PipelineSettings.defaultDeadAirDBFS,
            deadAirSpreadDB: deadAirSpread, decisions: decisions, maxSeconds: duration,
            tags: tags || model.output(ModelOutput.genre) == nil)
        settings.loudness = loudness
        // Whole windows: a lag of a fraction of the hop already waits for the next window.
        settings.lagWindows = Int(((lagSeconds ?? 0) / f.seconds(frames: hopFrames)).rounded(.up))
        return settings
    }

    /// What goes to stdout (window lines or segment lines) and to `--segments-file`.
    func lineSinks(model: ModelFile, pipeline: Pipeline) throws -> [EventSink] {
        let format = OutputFormat(rawValue: output)!, clockMode = ClockMode(rawValue: clock)!
        let stdout = LineWriter()
        var sinks: [EventSink] = []
        if segments {
            sinks.append(try SegmentLines(formatter: SegmentFormatter(format: format, clock: clockMode, showSource: files.count > 1, loudness: loudness), writer: stdout))
        } else {
            let tagLabels = pipeline.settings.tags ? model.output(ModelOutput.tags)?.labels ?? [] : []
            sinks.append(try WindowLines(
                formatter: LineFormatter(format: format, clock: clockMode, labels: model.labels, top: min(top, model.labels.count),
                                         showSource: files.count > 1, tagLabels: tagLabels, topTags: min(topTags, max(tagLabels.count, 1)),
                                         soundLabels: pipeline.settings.tags ? pipeline.soundTagLabels : [], loudness: loudness),
                writer: stdout))
        }
        if let segmentsFile {
            sinks.append(try SegmentLines(formatter: SegmentFormatter(format: format, clock: clockMode, showSource: true, loudness: loudness),
                                          writer: LineWriter(appendingTo: segmentsFile)))
        }
        return sinks
    }
}

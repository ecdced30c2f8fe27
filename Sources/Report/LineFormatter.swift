import Engine

/// The output formats: one line per window.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Aligned text for people and log files.
    case human
    /// One JSON object per line, for `jq` and log pipelines.
    case jsonl
    /// Comma-separated values with a header line.
    case csv
}

/// Which time stamps a line: the position in the stream, or the wall clock when it was written.
public enum ClockMode: String, CaseIterable, Sendable {
    case stream
    case wall
}

/// Turns window results into output lines in one format.
public struct LineFormatter {
    public let format: OutputFormat
    public let clock: ClockMode
    public let labels: [String]
    /// Genres listed in the human format's parentheses.
    public let top: Int
    /// Prefix human lines with the source: on when several files are processed.
    public let showSource: Bool
    /// The tags output's names, when tags are printed; empty otherwise.
    public let tagLabels: [String]
    /// Tags listed in the human format (JSONL and CSV carry all of them).
    public let topTags: Int
    /// A fused model's sound classes (YAMNet's AudioSet classes), when tags are printed; empty otherwise.
    public let soundLabels: [String]
    /// EBU R128 loudness is measured (`--loudness`): its fields and columns are printed.
    public let loudness: Bool

    public init(format: OutputFormat, clock: ClockMode, labels: [String], top: Int, showSource: Bool,
                tagLabels: [String] = [], topTags: Int = 5, soundLabels: [String] = [], loudness: Bool = false) {
        self.soundLabels = soundLabels
        self.loudness = loudness
        self.format = format
        self.clock = clock
        self.labels = labels
        self.top = top
        self.showSource = showSource
        self.tagLabels = tagLabels
        self.topTags = topTags
    }

    /// The line printed once before any window (CSV's column names), if the format has one.
    public var headerLine: String? {
        guard format == .csv else { return nil }
        let fixed = ["source", "window", "start_s", "end_s", "wall_time", "label", "confidence",
                     "raw_label", "raw_confidence", "level_dbfs", "partial", "gaps", "stalls"]
        let loudnessColumns = loudness ? ["momentary_lufs", "short_term_lufs", "true_peak_dbtp", "integrated_lufs", "loudness_range_lu"] : []
        return (fixed + loudnessColumns + labels.map { "p_" + $0 } + tagLabels.map { "t_" + $0 }
                + soundLabels.map { TextFormatting.csvField("s_" + $0) }).joined(separator: ",")
    }

    /// `wallSeconds`: the window event's stamp, the one every sink reads, so that window
    /// lines, segments and the monitor agree (read twice, they did not). `stalls`: stall
    /// events since the previous window.
    public func line(for r: WindowResult, wallSeconds: Double, stalls: Int = 0) -> String {
        switch format {
        case .human: return human(r, wallSeconds, stalls)
        case .jsonl: return json(r, wallSeconds, stalls)
        case .csv: return csv(r, wallSeconds, stalls)
        }
    }

    private func human(_ r: WindowResult, _ wallSeconds: Double, _ stalls: Int) -> String {
        typealias F = TextFormatting
        var line = showSource ? r.source + "  " : ""
        line += clock == .wall ? F.wallClock(wallSeconds) : F.clock(r.endSeconds)
        if let label = r.label { line += "  " + label.padding(toWidth: 9) }
        if let confidence = r.confidence, let raw = r.rawLabel {
            line += "  " + F.fixed(confidence, 2) + "  raw " + raw.padding(toWidth: 9) + "  ("
            line += topIndices(r.probabilities, top).map { labels[$0] + " " + F.fixed(Double(r.probabilities[$0]), 2) }
                .joined(separator: ", ")
            line += ")"
        } else if r.tags.isEmpty {
            line += "  level " + F.fixed(r.levelDBFS, 1) + " dBFS"
        }
        if !r.tags.isEmpty {
            line += "  tags: " + topIndices(r.tags, topTags).map { tagLabels[$0] + " " + F.fixed(Double(r.tags[$0]), 2) }
                .joined(separator: ", ")
        }
        if !r.soundTags.isEmpty {
            line += "  sounds: " + topIndices(r.soundTags, topTags).map { soundLabels[$0] + " " + F.fixed(Double(r.soundTags[$0]), 2) }
                .joined(separator: ", ")
        }
        if let l = r.loudness {
            line += "  " + Self.level(l.shortTermLUFS, "-inf", decimals: 1) + " LUFS S, " + Self.level(l.momentaryLUFS, "-inf", decimals: 1)
                + " M, peak " + Self.level(l.truePeakDBTP, "-inf", decimals: 1) + " dBTP"
        }
        if r.isPartial { line += "  [partial]" }
        if r.gaps > 0 { line += "  [gap x\(r.gaps)]" }
        if stalls > 0 { line += "  [stall x\(stalls)]" }
        return line
    }

    private func json(_ r: WindowResult, _ wallSeconds: Double, _ stalls: Int) -> String {
        typealias F = TextFormatting
        var line = "{\"source\":" + F.jsonString(r.source) + ",\"window\":\(r.index)"
        line += ",\"start\":" + F.fixed(r.startSeconds, 3) + ",\"end\":" + F.fixed(r.endSeconds, 3)
        if clock == .wall { line += ",\"wall_time\":\"" + F.wallClock(wallSeconds) + "\"" }
        line += ",\"label\":" + (r.label.map(F.jsonString) ?? "null")
        line += ",\"confidence\":" + (r.confidence.map { F.fixed($0, 4) } ?? "null")
        line += ",\"raw_label\":" + (r.rawLabel.map(F.jsonString) ?? "null")
        line += ",\"raw_confidence\":" + (r.rawConfidence.map { F.fixed($0, 4) } ?? "null")
        line += ",\"probabilities\":" + jsonObject(labels, r.probabilities)
        if !tagLabels.isEmpty { line += ",\"tags\":" + jsonObject(tagLabels, r.tags) }
        if !soundLabels.isEmpty { line += ",\"sounds\":" + jsonObject(soundLabels, r.soundTags) }
        line += ",\"level_dbfs\":" + F.fixed(r.levelDBFS, 1)
        if loudness {
            line += ",\"loudness\":" + (r.loudness.map { l in
                "{\"momentary_lufs\":" + Self.level(l.momentaryLUFS, "null") + ",\"short_term_lufs\":" + Self.level(l.shortTermLUFS, "null")
                    + ",\"true_peak_dbtp\":" + Self.level(l.truePeakDBTP, "null") + ",\"integrated_lufs\":" + Self.level(l.integratedLUFS, "null")
                    + ",\"range_lu\":" + Self.level(l.rangeLU, "null") + "}"
            } ?? "null")
        }
        line += ",\"partial\":" + (r.isPartial ? "true" : "false") + ",\"gaps\":\(r.gaps),\"stalls\":\(stalls)}"
        return line
    }

    private func csv(_ r: WindowResult, _ wallSeconds: Double, _ stalls: Int) -> String {
        typealias F = TextFormatting
        var fields = [F.csvField(r.source), String(r.index), F.fixed(r.startSeconds, 3), F.fixed(r.endSeconds, 3),
                      clock == .wall ? F.wallClock(wallSeconds) : "", r.label ?? "", r.confidence.map { F.fixed($0, 4) } ?? "",
                      r.rawLabel ?? "", r.rawConfidence.map { F.fixed($0, 4) } ?? "", F.fixed(r.levelDBFS, 1),
                      r.isPartial ? "1" : "0", String(r.gaps), String(stalls)]
        if loudness {
            let l = r.loudness
            fields += [l?.momentaryLUFS, l?.shortTermLUFS, l?.truePeakDBTP, l?.integratedLUFS, l?.rangeLU].map { Self.level($0 ?? -.infinity, "") }
        }
        fields += labels.indices.map { r.probabilities.isEmpty ? "" : F.fixed(Double(r.probabilities[$0]), 4) }
        fields += tagLabels.indices.map { r.tags.isEmpty ? "" : F.fixed(Double(r.tags[$0]), 4) }
        fields += soundLabels.indices.map { r.soundTags.isEmpty ? "" : F.fixed(Double(r.soundTags[$0]), 4) }
        return fields.joined(separator: ",")
    }

    /// A loudness or peak (to 0.01 dB, 0.1 in human lines), or `missing` below the meter's range (-infinity).
    private static func level(_ value: Double, _ missing: String, decimals: Int = 2) -> String {
        value.isFinite ? TextFormatting.fixed(value, decimals) : missing
    }

    /// `{"name":value,...}` with 4 decimals, or `null` when there are no values (silence).
    private func jsonObject(_ names: [String], _ values: [Float]) -> String {
        guard !values.isEmpty else { return "null" }
        return "{" + names.indices.map { TextFormatting.jsonString(names[$0]) + ":" + TextFormatting.fixed(Double(values[$0]), 4) }
            .joined(separator: ",") + "}"
    }

    /// Indices of the `n` largest probabilities, largest first.
    private func topIndices(_ p: [Float], _ n: Int) -> [Int] {
        Array(p.indices.sorted { p[$0] > p[$1] }.prefix(n))
    }
}

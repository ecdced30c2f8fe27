import Engine

/// Turns segments into output lines, in the same formats as the window lines.
public struct SegmentFormatter: Sendable {
    public let format: OutputFormat
    public let clock: ClockMode
    /// Prefix human lines with the source: on when several files are processed.
    public let showSource: Bool
    /// Each segment's integrated loudness and range (`--loudness`).
    public let loudness: Bool

    public init(format: OutputFormat, clock: ClockMode, showSource: Bool, loudness: Bool = false) {
        self.format = format
        self.clock = clock
        self.showSource = showSource
        self.loudness = loudness
    }

    /// CSV's column names, printed once before any segment.
    public var headerLine: String? {
        guard format == .csv else { return nil }
        return "source,segment,label,kind,start_s,end_s,seconds,windows,mean_confidence,start_wall,end_wall,final,started_by"
            + (loudness ? ",integrated_lufs,loudness_range_lu" : "")
    }

    public func line(for s: Segment) -> String {
        typealias F = TextFormatting
        let wall = clock == .wall
        switch format {
        case .human:
            var line = showSource ? s.source + "  " : ""
            line += wall ? F.wallClock(s.startWallSeconds) + " - " + F.wallClock(s.endWallSeconds)
                         : F.clock(s.startSeconds) + " - " + F.clock(s.endSeconds)
            line += "  " + s.label.padding(toWidth: 9) + "  " + F.clock(s.seconds)
            if let c = s.meanConfidence { line += "  mean confidence " + F.fixed(c, 2) }
            line += "  (\(s.windows) window" + (s.windows == 1 ? ")" : "s)")
            if loudness, let l = s.loudness {
                line += l.integratedLUFS.isFinite ? "  " + F.fixed(l.integratedLUFS, 1) + " LUFS, range " + F.fixed(l.rangeLU, 1) + " LU" : "  below the loudness gate"
            }
            if s.startedBy != "start" && s.startedBy != "label_change" { line += "  [" + String(s.startedBy.map { $0 == "_" ? " " : $0 }) + "]" }
            return line + (s.isFinal ? "  [end of input]" : "")
        case .jsonl:
            var line = "{\"type\":\"segment\",\"source\":" + F.jsonString(s.source) + ",\"segment\":\(s.index)"
            line += ",\"label\":" + F.jsonString(s.label) + ",\"kind\":\"" + s.kind.rawValue + "\""
            line += ",\"start\":" + F.fixed(s.startSeconds, 3) + ",\"end\":" + F.fixed(s.endSeconds, 3)
            line += ",\"seconds\":" + F.fixed(s.seconds, 3)
            if wall { line += ",\"start_wall\":\"" + F.wallClock(s.startWallSeconds) + "\",\"end_wall\":\"" + F.wallClock(s.endWallSeconds) + "\"" }
            line += ",\"windows\":\(s.windows),\"mean_confidence\":" + (s.meanConfidence.map { F.fixed($0, 4) } ?? "null")
            line += ",\"started_by\":\"" + s.startedBy + "\""
            if loudness {
                line += ",\"loudness\":" + (s.loudness.map {
                    "{\"integrated_lufs\":" + SummaryFormatter.lufs($0.integratedLUFS, "null", decimals: 2)
                        + ",\"range_lu\":" + SummaryFormatter.lufs($0.rangeLU, "null", decimals: 2) + "}"
                } ?? "null")
            }
            return line + ",\"final\":" + (s.isFinal ? "true" : "false") + "}"
        case .csv:
            return [F.csvField(s.source), String(s.index), F.csvField(s.label), s.kind.rawValue,
                    F.fixed(s.startSeconds, 3), F.fixed(s.endSeconds, 3), F.fixed(s.seconds, 3), String(s.windows),
                    s.meanConfidence.map { F.fixed($0, 4) } ?? "",
                    wall ? F.wallClock(s.startWallSeconds) : "", wall ? F.wallClock(s.endWallSeconds) : "",
                    s.isFinal ? "1" : "0", s.startedBy].joined(separator: ",")
                + (loudness ? "," + SummaryFormatter.lufs(s.loudness?.integratedLUFS ?? -.infinity, "", decimals: 2)
                              + "," + SummaryFormatter.lufs(s.loudness?.rangeLU ?? -.infinity, "", decimals: 2) : "")
        }
    }
}

extension String {
    /// Pads with spaces to `width` characters (never truncates): aligned human columns.
    func padding(toWidth width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

import Engine

/// Turns a run summary into text: one JSON object for `--output jsonl` (for jq), or
/// a few aligned lines for people.
public struct SummaryFormatter: Sendable {
    public let json: Bool

    public init(json: Bool) {
        self.json = json
    }

    /// The summary's lines, without newlines.
    public func lines(for s: RunSummary) -> [String] {
        typealias F = TextFormatting
        let labels = s.labelsByTime
        if json {
            var line = "{\"type\":\"summary\",\"source\":" + F.jsonString(s.source) + ",\"final\":" + (s.isFinal ? "true" : "false")
            line += ",\"seconds\":" + F.fixed(s.seconds, 3) + ",\"windows\":\(s.windows),\"segments\":\(s.segments)"
            line += ",\"silence_seconds\":" + F.fixed(s.silenceSeconds, 3) + ",\"gaps\":\(s.gaps),\"stalls\":\(s.stalls)"
            if let l = s.loudness {
                line += ",\"integrated_lufs\":" + (l.integratedLUFS.isFinite ? F.fixed(l.integratedLUFS, 2) : "null")
                    + ",\"loudness_range_lu\":" + (l.rangeLU.isFinite ? F.fixed(l.rangeLU, 2) : "null")
            }
            line += ",\"labels\":{" + labels.map {
                F.jsonString($0.label) + ":{\"seconds\":" + F.fixed($0.seconds, 3) + ",\"share\":" + F.fixed(s.share(of: $0), 4)
                    + ",\"windows\":\($0.windows)" + (s.integratedLUFS(of: $0).map { ",\"integrated_lufs\":" + Self.lufs($0, "null") } ?? "") + "}"
            }.joined(separator: ",") + "}}"
            return [line]
        }
        var head = "summary of " + s.source + (s.isFinal ? "" : " so far") + ": " + F.clock(s.seconds) + " of audio, "
        head += counted(s.windows, "window") + ", " + counted(s.segments, "segment") + ", silence " + F.clock(s.silenceSeconds)
        head += ", " + counted(s.gaps, "gap") + ", " + counted(s.stalls, "stall")
        if let l = s.loudness {
            head += ", " + (l.integratedLUFS.isFinite ? F.fixed(l.integratedLUFS, 1) + " LUFS integrated" : "below the loudness gate")
                + (l.rangeLU.isFinite ? ", range " + F.fixed(l.rangeLU, 1) + " LU" : "")
        }
        return [head] + labels.map { label in
            let windows = counted(label.windows, "window")
            let loudness = s.integratedLUFS(of: label).map { lufs in
                windows.padding(toWidth: 11) + "  " + Self.lufs(lufs, "below the loudness gate") + (lufs.isFinite ? " LUFS" : "")
            }
            return "  " + label.label.padding(toWidth: 9) + "  " + F.clock(label.seconds) + "  "
                + (F.fixed(100 * s.share(of: label), 1) + "%").leftPadded(toWidth: 6) + "  " + (loudness ?? windows)
        }
    }

    /// A loudness with one decimal in text, two in JSON; `missing` below the gate.
    static func lufs(_ value: Double, _ missing: String, decimals: Int = 1) -> String {
        value.isFinite ? TextFormatting.fixed(value, decimals) : missing
    }
}

extension String {
    fileprivate func leftPadded(toWidth width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

/// "1 window", "2 windows", "0 windows".
private func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)" + (n == 1 ? "" : "s") }

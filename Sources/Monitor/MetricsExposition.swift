/// The monitor's counters in the Prometheus text exposition format (version 0.0.4),
/// written by hand: one family after another, each with its HELP and TYPE lines.
///
/// Names follow Prometheus' conventions: the `genre_stream_` prefix, `_total` on
/// counters, base units (`_seconds`) in the name.
public enum MetricsExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `labels` are the monitor's labels (the model's, then `silence`); `model` its name;
    /// `stream` the stream's name (`--name`), a `stream` label on every sample when given,
    /// so that one Prometheus scrapes a fleet of instances apart.
    public static func text(_ c: LiveCounters, labels: [String], model: String, stream: String? = nil) -> String {
        let streamLabel = stream.map { "stream=\"" + escapeLabelValue($0) + "\"" }
        func sample(_ out: inout String, _ name: String, _ value: Double) {
            out += "genre_stream_" + name + (streamLabel.map { "{" + $0 + "}" } ?? "") + " " + number(value) + "\n"
        }
        /// A value stored as a Float, in Float's own shortest digits (0.9849, not 0.984898567199707).
        func sample(_ out: inout String, _ name: String, float value: Float) {
            out += "genre_stream_" + name + (streamLabel.map { "{" + $0 + "}" } ?? "") + " "
                + (value.isFinite ? String(value) : number(Double(value))) + "\n"
        }
        /// Labels of a sample: the stream's first, then the sample's own.
        func labelSet(_ own: String) -> String { "{" + (streamLabel.map { $0 + "," } ?? "") + own + "}" }
        var out = ""
        out.reserveCapacity(2048 + labels.count * 160)
        family(&out, "info", "gauge", "The model this stream is classified with; always 1.")
        out += "genre_stream_info" + labelSet("model=\"" + escapeLabelValue(model) + "\",labels=\""
            + escapeLabelValue(labels.joined(separator: ",")) + "\"") + " 1\n"
        family(&out, "windows_total", "counter", "Windows classified (music, silence and non-music).")
        sample(&out, "windows_total", Double(c.windows))
        family(&out, "label", "gauge", "1 for the current smoothed label (a genre, silence or a non-music label), 0 for the others.")
        let current = c.current.map { Int($0.label) } ?? -1
        for (i, label) in labels.enumerated() {
            out += "genre_stream_label" + labelSet("label=\"" + escapeLabelValue(label) + "\"") + " " + (i == current ? "1" : "0") + "\n"
        }
        family(&out, "label_seconds_total", "counter", "Seconds of audio per smoothed label.")
        for (i, label) in labels.enumerated() {
            out += "genre_stream_label_seconds_total" + labelSet("label=\"" + escapeLabelValue(label) + "\"") + " " + number(c.labelSeconds[i]) + "\n"
        }
        family(&out, "confidence", "gauge", "Smoothed confidence in the current label; NaN for silence and before the first window.")
        sample(&out, "confidence", float: c.current?.confidence ?? .nan)
        family(&out, "input_level_dbfs", "gauge", "RMS level of the current window in dBFS; NaN before the first window.")
        sample(&out, "input_level_dbfs", float: c.current?.levelDBFS ?? .nan)
        family(&out, "audio_seconds_total", "counter", "Seconds of audio classified.")
        sample(&out, "audio_seconds_total", c.audioSeconds)
        family(&out, "gaps_total", "counter", "Gaps in the input (capture overruns).")
        sample(&out, "gaps_total", Double(c.gaps))
        family(&out, "stalls_total", "counter", "Stalls: no audio arrived for the stall timeout.")
        sample(&out, "stalls_total", Double(c.stalls))
        family(&out, "stalled", "gauge", "1 while the input is stalled, 0 once audio flows.")
        sample(&out, "stalled", c.stalled ? 1.0 : 0.0)
        family(&out, "frontend_seconds_total", "counter", "CPU seconds spent in the mel frontend.")
        sample(&out, "frontend_seconds_total", c.frontendSeconds)
        family(&out, "network_seconds_total", "counter", "CPU seconds spent in the network.")
        sample(&out, "network_seconds_total", c.networkSeconds)
        if let l = c.loudness {
            family(&out, "loudness_momentary_lufs", "gauge", "EBU R128 momentary (400 ms) loudness at the newest window's end, LUFS (--loudness).")
            sample(&out, "loudness_momentary_lufs", l.momentaryLUFS)
            family(&out, "loudness_short_term_lufs", "gauge", "EBU R128 short-term (3 s) loudness at the newest window's end, LUFS.")
            sample(&out, "loudness_short_term_lufs", l.shortTermLUFS)
            family(&out, "loudness_integrated_lufs", "gauge", "EBU R128 integrated loudness of the input so far, LUFS.")
            sample(&out, "loudness_integrated_lufs", l.integratedLUFS)
            family(&out, "true_peak_dbtp", "gauge", "Highest true peak within the newest window, dBTP.")
            sample(&out, "true_peak_dbtp", l.truePeakDBTP)
        }
        // Absent until the first window: a 0 would make a staleness alert
        // (time() - it > 60) fire at every start-up; `absent()` covers a run with none.
        if let current = c.current {
            family(&out, "last_window_timestamp_seconds", "gauge",
                   "Wall clock (Unix seconds) of the newest window, for staleness alerts; absent before the first.")
            sample(&out, "last_window_timestamp_seconds", current.wallSeconds)
        }
        return out
    }

    /// A label value with `\`, `"` and line feeds escaped, as the format requires.
    public static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A sample value as the format spells it: `NaN`, `+Inf`, `-Inf`, integers without a point.
    public static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    private static func family(_ out: inout String, _ name: String, _ type: String, _ help: String) {
        out += "# HELP genre_stream_" + name + " " + help + "\n# TYPE genre_stream_" + name + " " + type + "\n"
    }
}

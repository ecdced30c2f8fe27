import Engine

#if canImport(Glibc)
import Glibc
#endif

/// The JSON bodies of `/api/recent` and `/api/current`, written by hand like the
/// engine's JSONL lines: no Foundation, the same text on every machine.
public enum RecentJSON {
    public static let contentType = "application/json"

    /// `{"model":..,"labels":[..],"hop_seconds":..,"server_time":..,"windows":[..]}`, windows oldest first.
    /// `server_time` lets the page measure a window's age on the server's clock, not a phone's.
    public static func recent(_ windows: [WindowRecord], labels: [String], model: String, hopSeconds: Double,
                              serverTime: Double) -> String {
        var out = "{\"model\":" + string(model) + ",\"labels\":[" + labels.map(string).joined(separator: ",")
            + "],\"hop_seconds\":" + TextFormatting.fixed(hopSeconds, 4) + ",\"server_time\":\"" + isoTime(serverTime)
            + "\",\"windows\":["
        out.reserveCapacity(out.utf8.count + windows.count * 150)
        for (i, w) in windows.enumerated() {
            if i > 0 { out += "," }
            out += window(w, labels: labels)
        }
        return out + "]}"
    }

    /// The newest window and the stream's state, or `"window":null` before the first.
    public static func current(_ c: LiveCounters, labels: [String], model: String) -> String {
        "{\"model\":" + string(model) + ",\"windows\":" + String(c.windows) + ",\"stalled\":" + (c.stalled ? "true" : "false")
            + ",\"window\":" + (c.current.map { window($0, labels: labels) } ?? "null") + "}"
    }

    static func window(_ w: WindowRecord, labels: [String]) -> String {
        "{\"start\":" + TextFormatting.fixed(w.startSeconds, 3) + ",\"end\":" + TextFormatting.fixed(w.endSeconds, 3)
            + ",\"wall_time\":\"" + isoTime(w.wallSeconds) + "\",\"label\":" + label(w.label, labels)
            + ",\"confidence\":" + number(w.confidence, 4) + ",\"raw_label\":" + label(w.rawLabel, labels)
            + ",\"level_dbfs\":" + number(w.levelDBFS, 1) + "}"
    }

    private static func label(_ index: Int16, _ labels: [String]) -> String {
        index >= 0 && Int(index) < labels.count ? string(labels[Int(index)]) : "null"
    }

    /// JSON has no NaN or infinity: a value without a number (silence's confidence,
    /// digital zero's level) is null.
    private static func number(_ value: Float, _ decimals: Int) -> String {
        value.isFinite ? TextFormatting.fixed(Double(value), decimals) : "null"
    }

    /// ISO-8601 UTC with milliseconds: `2026-11-21T00:53:41.123Z`.
    public static func isoTime(_ unixSeconds: Double) -> String {
        let millis = Int((unixSeconds * 1000).rounded(.down))
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + "." + pad(millis % 1000, 3) + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// A JSON string literal (RFC 8259 escapes).
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

import Engine

#if canImport(Glibc)
import Glibc
#endif

/// The JSON bodies of `/api/recent` and `/api/current`, written by hand like the
/// engine's JSONL lines: no Foundation, the same text on every machine.
public enum RecentJSON {
    public static let contentType = "application/json"

    /// `{"model":..,"name":..,"labels":[..],"hop_seconds":..,"server_time":..,"stalled":..,"windows":[..]}`, windows
    /// oldest first; `name` is the stream's (`--name`), null without one.
    /// `server_time` lets the page measure a window's age on the server's clock, not a phone's;
    /// `stalled` is the watchdog's state, which the page shows before anything else.
    public static func recent(_ windows: [WindowRecord], labels: [String], model: String, stream: String? = nil,
                              hopSeconds: Double, serverTime: Double, stalled: Bool = false, loudness: Loudness? = nil) -> String {
        var out = "{\"model\":" + TextFormatting.jsonString(model) + ",\"name\":" + (stream.map(TextFormatting.jsonString) ?? "null")
            + ",\"labels\":[" + labels.map(TextFormatting.jsonString).joined(separator: ",")
            + "],\"hop_seconds\":" + TextFormatting.fixed(hopSeconds, 4) + ",\"server_time\":\"" + TextFormatting.wallClock(serverTime)
            + "\",\"stalled\":" + (stalled ? "true" : "false") + ",\"loudness\":" + loudnessObject(loudness) + ",\"windows\":["
        out.reserveCapacity(out.utf8.count + windows.count * 150)
        for (i, w) in windows.enumerated() {
            if i > 0 { out += "," }
            out += window(w, labels: labels)
        }
        return out + "]}"
    }

    /// The newest window and the stream's state, or `"window":null` before the first.
    public static func current(_ c: LiveCounters, labels: [String], model: String, stream: String? = nil) -> String {
        "{\"model\":" + TextFormatting.jsonString(model) + ",\"name\":" + (stream.map(TextFormatting.jsonString) ?? "null")
            + ",\"windows\":" + String(c.windows) + ",\"stalled\":" + (c.stalled ? "true" : "false")
            + ",\"window\":" + (c.current.map { window($0, labels: labels) } ?? "null") + "}"
    }

    /// The newest window's loudness as numbers (null below the meter's range), or null when not measured.
    static func loudnessObject(_ l: Loudness?) -> String {
        guard let l else { return "null" }
        let v = { (x: Double) in x.isFinite ? TextFormatting.fixed(x, 2) : "null" }
        return "{\"momentary_lufs\":" + v(l.momentaryLUFS) + ",\"short_term_lufs\":" + v(l.shortTermLUFS)
            + ",\"true_peak_dbtp\":" + v(l.truePeakDBTP) + ",\"integrated_lufs\":" + v(l.integratedLUFS) + ",\"range_lu\":" + v(l.rangeLU) + "}"
    }

    static func window(_ w: WindowRecord, labels: [String]) -> String {
        "{\"start\":" + TextFormatting.fixed(w.startSeconds, 3) + ",\"end\":" + TextFormatting.fixed(w.endSeconds, 3)
            + ",\"wall_time\":\"" + TextFormatting.wallClock(w.wallSeconds) + "\",\"label\":" + label(w.label, labels)
            + ",\"confidence\":" + number(w.confidence, 4) + ",\"raw_label\":" + label(w.rawLabel, labels)
            + ",\"level_dbfs\":" + number(w.levelDBFS, 1) + "}"
    }

    private static func label(_ index: Int16, _ labels: [String]) -> String {
        index >= 0 && Int(index) < labels.count ? TextFormatting.jsonString(labels[Int(index)]) : "null"
    }

    /// JSON has no NaN or infinity: a value without a number (silence's confidence,
    /// digital zero's level) is null.
    private static func number(_ value: Float, _ decimals: Int) -> String {
        value.isFinite ? TextFormatting.fixed(Double(value), decimals) : "null"
    }
}

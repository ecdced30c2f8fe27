import Engine

/// What the monitor answers to a request, apart from any HTTP library: the server
/// glue only moves bytes, and tests call this directly.
public struct MonitorResponse: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var contentType: String
    public var body: String
    /// Extra header fields (`Allow` on a 405).
    public var headers: [(String, String)]

    public init(status: Int, reason: String, contentType: String, body: String, headers: [(String, String)] = []) {
        self.status = status
        self.reason = reason
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public static func == (a: MonitorResponse, b: MonitorResponse) -> Bool {
        a.status == b.status && a.contentType == b.contentType && a.body == b.body
            && a.headers.map { $0.0 + ":" + $0.1 } == b.headers.map { $0.0 + ":" + $0.1 }
    }
}

extension LiveMonitor {
    /// The paths served; each answers GET and HEAD.
    public static let paths = ["/", "/metrics", "/api/recent", "/api/current"]

    /// The response to `method` on `target` (a path with an optional query). A HEAD
    /// gets the GET's response; the server glue drops the body and keeps its length.
    public func respond(method: String, target: String) -> MonitorResponse {
        let (path, query) = LiveMonitor.split(target)
        guard LiveMonitor.paths.contains(String(path)) else {
            return MonitorResponse(status: 404, reason: "Not Found", contentType: "text/plain; charset=utf-8",
                                   body: "not found: \(path); try / /metrics /api/recent /api/current\n")
        }
        guard method == "GET" || method == "HEAD" else {
            return MonitorResponse(status: 405, reason: "Method Not Allowed", contentType: "text/plain; charset=utf-8",
                                   body: "\(path) answers GET and HEAD only\n", headers: [("Allow", "GET, HEAD")])
        }
        switch path {
        case "/metrics":
            return ok(MetricsExposition.contentType, MetricsExposition.text(counters(), labels: labels, model: model, stream: stream))
        case "/api/recent":
            var n = recentCapacity
            if let value = LiveMonitor.queryValue("n", in: query) {
                guard let parsed = Int(value), parsed >= 0 else {
                    return MonitorResponse(status: 400, reason: "Bad Request", contentType: "text/plain; charset=utf-8",
                                           body: "n must be a whole number of windows (at most \(recentCapacity))\n")
                }
                n = min(parsed, recentCapacity)
            }
            return ok(RecentJSON.contentType, RecentJSON.recent(recent(n), labels: labels, model: model, stream: stream, hopSeconds: hopSeconds,
                                                              serverTime: Clocks.wallSeconds(), stalled: counters().stalled,
                                                              loudness: counters().loudness))
        case "/api/current":
            return ok(RecentJSON.contentType, RecentJSON.current(counters(), labels: labels, model: model, stream: stream))
        default:
            return ok(LivePage.contentType, LivePage.html)
        }
    }

    private func ok(_ contentType: String, _ body: String) -> MonitorResponse {
        MonitorResponse(status: 200, reason: "OK", contentType: contentType, body: body)
    }

    static func split(_ target: String) -> (path: Substring, query: Substring) {
        guard let mark = target.firstIndex(of: "?") else { return (Substring(target), "") }
        return (target[..<mark], target[target.index(after: mark)...])
    }

    static func queryValue(_ name: String, in query: Substring) -> Substring? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name { return parts.count > 1 ? parts[1] : "" }
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Where the live monitor listens: a numeric IPv4 or IPv6 address and a port.
///
/// `PORT` alone means loopback (`127.0.0.1:PORT`): the page and metrics are for the
/// machine itself unless `0.0.0.0:PORT` or `[::]:PORT` asks for every interface.
/// Port 0 lets the kernel pick a free port; `start(listen:)` returns the bound one.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var isIPv6: Bool

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
        isIPv6 = host.contains(":")
    }

    /// Parses `PORT`, `IPV4:PORT`, `localhost:PORT` or `[IPV6]:PORT`; the message says what is wrong.
    public init(parsing text: String) throws(MonitorError) {
        func malformed(_ why: String) -> MonitorError {
            .malformedAddress("--listen '\(text)': \(why); use PORT, ADDRESS:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8080")
        }
        var host = "127.0.0.1"
        var portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw malformed("an IPv6 address in brackets needs ':PORT' after ']'")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw malformed("an IPv6 address needs brackets") }
            if host == "localhost" { host = "127.0.0.1" }
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              let port = Int(portText), port <= 65535 else {
            throw malformed("the port must be a number from 0 to 65535")
        }
        guard ListenAddress.isNumeric(host) else { throw malformed("'\(host)' is not a numeric IPv4 or IPv6 address") }
        self.init(host: host, port: port)
    }

    /// The page's address as a browser takes it.
    public var url: String { "http://" + description + "/" }

    public var description: String { (isIPv6 ? "[" + host + "]" : host) + ":" + String(port) }

    private static func isNumeric(_ host: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(host.contains(":") ? AF_INET6 : AF_INET, host, &buffer) == 1
    }
}

/// Why the monitor could not start, with the exit code the CLI documents for it.
public enum MonitorError: Error, Equatable, CustomStringConvertible {
    /// `--listen` is not an address (exit 64, `EX_USAGE`).
    case malformedAddress(String)
    /// The address could not be bound: in use, not on this machine, not allowed (exit 69, `EX_UNAVAILABLE`).
    case unavailable(String)

    public var exitCode: Int32 {
        switch self {
        case .malformedAddress: return 64
        case .unavailable: return 69
        }
    }

    public var description: String {
        switch self {
        case .malformedAddress(let m), .unavailable(let m): return m
        }
    }
}

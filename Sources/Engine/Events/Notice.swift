/// Something worth telling the user about an input that does not stop it: a header
/// that lies, bytes skipped, a device overrun, samples replaced. The engine never
/// writes these anywhere itself; they reach the caller as `StreamEvent.notice`.
public struct Notice: Sendable, Equatable {
    public enum Severity: Sendable, Equatable {
        /// The run goes on, but something about the input or the result is off.
        case warning
        /// Worth knowing, nothing wrong.
        case note
    }

    public var severity: Severity
    public var message: String

    public init(_ severity: Severity, _ message: String) {
        self.severity = severity
        self.message = message
    }
}

/// Notices an input raised while it was read, held until the pipeline takes them
/// (after each read, or at the start for what opening found). Bounded: a source that
/// raises more between two reads than `capacity` (an ALSA device overrunning on every
/// period) has the rest counted and summed up in one last notice.
final class NoticeQueue {
    static let capacity = 8
    private var held: [Notice] = []
    private var dropped = 0

    init() { held.reserveCapacity(Self.capacity) }

    func warn(_ message: String) { add(Notice(.warning, message)) }

    func add(_ notice: Notice) {
        if held.count < Self.capacity { held.append(notice) } else { dropped += 1 }
    }

    /// What was raised since the last call, oldest first; empty (no allocation) when nothing was.
    func take() -> [Notice] {
        guard !held.isEmpty else { return [] }
        var taken = held
        if dropped > 0 { taken.append(Notice(.warning, "\(dropped) more such warnings since the last read")) }
        held.removeAll(keepingCapacity: true)
        dropped = 0
        return taken
    }
}

/// A source under the name the user gave the stream (`--name`): every output says
/// that name instead of `stdin` or the device. Everything else is the wrapped source's.
public final class NamedSource: AudioSource {
    public let name: String
    private let source: AudioSource

    public init(_ source: AudioSource, name: String) {
        self.source = source
        self.name = name
    }

    public var format: StreamFormat { source.format }
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int { try source.read(into: buffer) }
    public func takeDiscontinuities() -> Int { source.takeDiscontinuities() }
    public var stallWatch: StallWatch? { source.stallWatch }
    public var isLive: Bool { source.isLive }
    public func takeNotices() -> [Notice] { source.takeNotices() }
}

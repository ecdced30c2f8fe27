import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The monitor's HTTP/1.1 listener on SwiftNIO: one event-loop thread of its own,
/// beside the CLI's blocking read loop. It only moves bytes; `LiveMonitor.respond`
/// decides what to answer.
final class MonitorHTTPServer: Sendable {
    let boundAddress: ListenAddress
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    init(address: ListenAddress, monitor: LiveMonitor) throws(MonitorError) {
        // One thread: a page and a scraper are the whole load. It starts with the
        // stop signals blocked (a thread inherits its creator's mask), so that SIGINT
        // and SIGTERM always reach the main thread and interrupt its blocking read.
        let group = MonitorHTTPServer.withStopSignalsBlocked { MultiThreadedEventLoopGroup(numberOfThreads: 1) }
        do {
            let socketAddress = try SocketAddress(ipAddress: address.host, port: address.port)
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 32)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    do {
                        // A connection that sends nothing for a minute is closed: open
                        // connections cannot pile up over months of running.
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(60)))
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MonitorHTTPHandler(monitor: monitor))
                        return channel.eventLoop.makeSucceededVoidFuture()
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                .bind(to: socketAddress).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw .unavailable("cannot listen on \(address): \(MonitorHTTPServer.reason(error))")
        }
        self.group = group
        boundAddress = ListenAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
    }

    func close() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    private static func withStopSignalsBlocked<T>(_ body: () -> T) -> T {
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return body()
    }

    /// The system's words for a failed bind ("Address already in use"), not NIO's call-site text.
    private static func reason(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }
}

/// One connection: answers each request when it has been read to its end.
private final class MonitorHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let monitor: LiveMonitor
    private var request: HTTPRequestHead?

    init(monitor: LiveMonitor) {
        self.monitor = monitor
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break  // no route takes a body
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let response = monitor.respond(method: head.method.rawValue, target: head.uri)
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let keepAlive = head.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let status = HTTPResponseStatus(statusCode: response.status, reasonPhrase: response.reason)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

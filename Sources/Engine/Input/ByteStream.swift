#if canImport(Glibc)
import Glibc
#endif

/// Pulls bytes from a file descriptor that may be a pipe (so nothing is ever sought)
/// into one buffer allocated at init. Header parsers look at the front with `window`
/// and drop what they used with `consume`; audio reads decode straight out of it.
final class ByteStream {
    enum ReadOutcome { case bytes, endOfStream, stopped }

    let fileDescriptor: Int32
    /// Names the input in error messages ("stdin").
    let inputName: String
    private var storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// Bytes consumed so far: the stream offset of `window`'s first byte.
    private(set) var offset = 0
    private(set) var reachedEnd = false
    /// Hears of every wait that ends empty and of every byte that arrives; nil for
    /// inputs that cannot stall (regular files).
    var stallWatch: StallWatch?
    /// What reading and decoding this stream raised for the user, taken after each read.
    let notices = NoticeQueue()

    /// How long one wait for input may last before the stop flag is checked again.
    private static let stopPollMilliseconds: Int32 = 100

    init(fileDescriptor: Int32, inputName: String, capacity: Int = 64 * 1024) {
        self.fileDescriptor = fileDescriptor
        self.inputName = inputName
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    var capacity: Int { storage.count }
    /// Grows the buffer to at least `wanted` bytes, keeping what it holds: for the few
    /// decisions (an MPEG frame's successor, a decoder's look-back) that need more than
    /// a tiny test buffer holds. Called while opening, never per read.
    func reserve(capacity wanted: Int) {
        guard wanted > storage.count else { return }
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: wanted, alignment: 16)
        if available > 0 { bigger.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: available) }
        end = available
        start = 0
        storage.deallocate()
        storage = bigger
    }

    /// Bytes read but not yet consumed.
    var available: Int { end - start }

    /// The unconsumed bytes. Valid until the next `readOnce`, `fill` or `discard`.
    var window: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[start..<end]) }

    func consume(_ count: Int) {
        precondition(count >= 0 && count <= available, "consume(\(count)) with \(available) bytes available")
        start += count
        offset += count
        if start == end { start = 0; end = 0 }
    }

    /// One read(2) that appends what arrives (at least one byte unless the stream ended
    /// or a stop was requested). Waits in `poll` slices so that a stop is noticed even
    /// when the signal handler was installed with SA_RESTART, and a stall (`stallWatch`)
    /// is noticed while the writer sends nothing; a stall with exit-on-stall throws.
    func readOnce() throws -> ReadOutcome {
        if reachedEnd { return .endOfStream }
        if end == storage.count {
            precondition(start > 0, "readOnce on a full buffer")
            let count = available
            storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: count)
            start = 0
            end = count
        }
        while true {
            if StopRequest.isSet { return .stopped }
            var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Self.stopPollMilliseconds)
            if ready == 0 || (ready < 0 && errno == EINTR) {
                try stallWatch?.waited(for: inputName)
                continue
            }
            // Any other poll failure: fall through to read(2), which reports the real error.
            let n = read(fileDescriptor, storage.baseAddress! + end, storage.count - end)
            if n > 0 {
                end += n
                try stallWatch?.heard()
                return .bytes
            }
            if n == 0 { reachedEnd = true; return .endOfStream }
            switch errno {
            case EINTR, EAGAIN: continue
            default:
                throw EngineError.inputUnavailable("reading \(inputName) failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Reads until at least `count` bytes are available; false at end of stream or on a stop
    /// (tell them apart with `reachedEnd`). `count` must not exceed `capacity`.
    func fill(atLeast count: Int) throws -> Bool {
        precondition(count <= capacity, "fill(atLeast: \(count)) beyond capacity \(capacity)")
        while available < count {
            if try readOnce() != .bytes { return false }
        }
        return true
    }

    /// Reads and drops `count` bytes (an unknown chunk: a pipe cannot seek past it).
    /// Returns how many were dropped: fewer at end of stream or on a stop.
    func discard(_ count: Int) throws -> Int {
        var left = count
        while left > 0 {
            if available == 0, try readOnce() != .bytes { break }
            let step = min(left, available)
            consume(step)
            left -= step
        }
        return count - left
    }
}

import Engine

#if canImport(Glibc)
import Glibc
#endif

/// A `genre-stream` child for the benchmark: stdin is a pipe we write audio
/// into; stdout is a pipe we read lines from, or /dev/null. Measures what the
/// child costs through `wait4`'s resource usage, not through our own clock.
final class ChildProcess {
    let pid: pid_t
    private(set) var stdinFD: Int32
    let stdoutFD: Int32?

    struct Usage {
        var cpuSeconds: Double
        var exitStatus: Int32
    }

    /// `captureStdout` false sends the child's lines to /dev/null.
    init(arguments: [String], captureStdout: Bool) throws {
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0 else { throw EngineError.internalFault("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        if captureStdout {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        for fd in inPipe + outPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        let executable = ChildProcess.ownExecutable()
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(inPipe[0])
        close(outPipe[1])
        guard status == 0 else { throw EngineError.internalFault("cannot start \(executable): \(String(cString: strerror(status)))") }
        pid = child
        stdinFD = inPipe[1]
        if captureStdout { stdoutFD = outPipe[0] } else { close(outPipe[0]); stdoutFD = nil }
    }

    static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(stdinFD, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }

    /// Blocks until one whole line has arrived on the child's stdout; false at its end.
    func readLine() -> Bool {
        guard let fd = stdoutFD else { return false }
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            if byte == UInt8(ascii: "\n") { return true }
        }
    }

    /// Resident set size now, from /proc: what the child holds at this moment.
    func residentKiB() -> Int { statusField("VmRSS:") }

    /// The most the child has held resident since it started (its exec).
    func peakResidentKiB() -> Int { statusField("VmHWM:") }

    private func statusField(_ field: String) -> Int {
        let fd = open("/proc/\(pid)/status", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return 0 }
        for line in String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Closes stdin (end of audio) and waits for the child to finish.
    func finish() -> Usage {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        if let fd = stdoutFD { close(fd) }
        return Usage(cpuSeconds: usage.cpuSeconds, exitStatus: (status >> 8) & 0xFF)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// What the benchmark says about the processor it ran on.
struct CPUInfo {
    var name = "unknown"
    /// The nominal clock /proc/cpuinfo gives; under a hypervisor, not the clock the core runs at.
    var mhz = 0.0
    /// See `measuredGHz()`.
    var measuredGHz: Double? = nil

    static func read() -> CPUInfo {
        var info = CPUInfo()
        let fd = open("/proc/cpuinfo", O_RDONLY)
        guard fd >= 0 else { return info }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = Glibc.read(fd, &buffer, buffer.count)
        guard n > 0 else { return info }
        for line in String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: " \t") }
            guard parts.count == 2 else { continue }
            if parts[0] == "model name" && info.name == "unknown" { info.name = parts[1] }
            if parts[0] == "cpu MHz" && info.mhz == 0 { info.mhz = Double(parts[1]) ?? 0 }
        }
        return info
    }

    /// The clock the core actually runs at, in GHz, timed on a chain of dependent
    /// square-and-add steps (a 64-bit multiply, 3 cycles of latency on current x86-64
    /// cores from AMD and Intel, then an add, 1 cycle; squaring keeps the compiler from
    /// merging steps), so that shares of the FMA peak are against the real clock rather
    /// than the nominal one, which a guest sees but which boost clocks exceed. Nil where
    /// those latencies are not known (aarch64 cores differ).
    static func measuredGHz() -> Double? {
        #if arch(x86_64)
        let steps = 20_000_000
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = cpuSeconds()
            // Seeded from the clock reading and published before the next one, so the
            // optimiser can neither run the chain early nor late nor drop it.
            var x = t0.bitPattern | 1
            for _ in 0..<steps { x = x &* x &+ 1 }
            publish(x)
            best = min(best, cpuSeconds() - t0)
        }
        return Double(4 * steps) / best / 1e9
        #else
        return nil
        #endif
    }
}

nonisolated(unsafe) private var published: UInt64 = 0
@inline(never) private func publish(_ x: UInt64) { published = x }

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}

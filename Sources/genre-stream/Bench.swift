import ArgumentParser
import CKernels
import Engine

#if canImport(Glibc)
import Glibc
#endif

/// Measures what a user pays to run genre-stream: the CNN, the frontend, the
/// resampler, and the whole process on a long stream. Prints figures; asserts nothing.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure CNN, frontend, resampler and end-to-end cost, memory, start-up and latency.")

    @Option(help: ArgumentHelp("Seconds of generated audio for the end-to-end runs.", valueName: "seconds"))
    var seconds: Double = 3600

    @Option(help: ArgumentHelp("An audio file to use for the end-to-end run instead of generated audio.", valueName: "file"))
    var input: String?

    @Option(help: ArgumentHelp("A built-in model (\(ModelFile.BuiltIn.allCases.map(\.rawValue).joined(separator: ", "))) or a model file to measure instead of the default.", valueName: "name|path"))
    var model: String?

    @Option(help: ArgumentHelp("Windows the CNN is timed over.", valueName: "n"))
    var windows: Int = 300

    @Flag(name: .customLong("cnn-only"), help: "Measure the CNN only (for benchmarks/peers.py).")
    var cnnOnly = false

    /// The children measure the same model as the in-process figures.
    private var modelArguments: [String] { model.map { ["--model", $0] } ?? [] }

    func validate() throws {
        if !(seconds >= 60) { throw ValidationError("--seconds must be at least 60 (RSS is compared after the first minute)") }
        if windows < 1 { throw ValidationError("--windows must be at least 1") }
    }

    func run() throws {
        let code = Runner.exitCode {
            let model = try model.map { try ModelFile.load(nameOrPath: $0) } ?? ModelFile.embedded()
            try report(model)
            return 0
        }
        if code != 0 { throw ExitCode(code) }
    }

    private func report(_ model: ModelFile) throws {
        let isa = ["scalar", "AVX2+FMA", "NEON"][Int(gs_active_isa().rawValue)]
            + (gs_uses_avx512() != 0 ? ", convolution AVX-512F" : "")
        var cpu = CPUInfo.read()
        cpu.measuredGHz = CPUInfo.measuredGHz()
        let int8 = ([model] + model.members).reduce(0) { total, m in total + m.quantizedTensors.values.reduce(0) { $0 + $1.count } }
        print("genre-stream bench: model \(model.name), \(model.fusedParameterCount) parameters\(int8 > 0 ? " (\(int8) int8)" : ""), \(f(model.fusedFlopsPerWindow / 1e6, 1)) MFLOP/window; kernels \(isa); CPU \(cpu.name) at \(f(cpu.mhz, 0)) MHz nominal"
              + (cpu.measuredGHz.map { ", \(f($0 * 1000, 0)) MHz measured" } ?? ""))
        // A fused model: each member's network on its own windows, then what they cost per primary window.
        var perPrimaryWindow: [(name: String, seconds: Double, flops: Double)] = []
        for member in [model] + model.members {
            let f = member.frontend
            let perPrimary = member.memberName == nil && model.version >= 3
                ? model.frontend.windowSeconds / f.seconds(frames: f.windowHopFrames) : 1
            if model.version >= 3 {
                print("\nMember \(member.memberName ?? member.name): \(TextFormatting.fixed(f.windowSeconds, 3))-s windows, "
                      + "\(TextFormatting.fixed(perPrimary, 2)) per primary window")
            }
            let network = Network(model: member)
            let seconds = try cnn(network, cpu: cpu)
            perPrimaryWindow.append((member.memberName ?? member.name, seconds * perPrimary, Double(network.flopsPerWindow) * perPrimary))
        }
        if perPrimaryWindow.count > 1 {
            let total = perPrimaryWindow.reduce(0) { $0 + $1.seconds }, flops = perPrimaryWindow.reduce(0) { $0 + $1.flops }
            print("\nAll members per primary window: \(f(total * 1e3, 3)) ms CPU, \(f(flops / total / 1e9, 1)) GFLOP/s ("
                  + perPrimaryWindow.map { "\($0.name) \(f($0.seconds * 1e3, 3)) ms" }.joined(separator: ", ") + ")")
        }
        decisions(labels: model.output(ModelOutput.genre)?.labels ?? [], networkSeconds: perPrimaryWindow.reduce(0) { $0 + $1.seconds })
        if cnnOnly { return }
        try frontend(model.frontend)
        try resampler(model.frontend)
        print("")
        try endToEnd(model)
        try startup()
        try latency(model.frontend)
    }

    // MARK: Decisions

    /// Times the song-aware decisions on windows of random probabilities over the model's
    /// genres (a boundary every 40 windows or so), against the networks' time per window.
    private func decisions(labels: [String], networkSeconds: Double) {
        let genres = labels.filter { !Pipeline.nonMusicLabels.contains($0) }.count
        guard genres > 0 else { return }
        let windows = 100_000
        var rng = UInt64(11)
        var probabilities = [Float](repeating: 0, count: genres * 64)
        for i in probabilities.indices {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            probabilities[i] = Float(rng >> 40) / Float(1 << 24)
        }
        var best = Double.infinity
        for _ in 0..<5 {
            var songs = SongDecisions(genres: genres)
            var labelSum = 0
            let start = cpuSeconds()
            probabilities.withUnsafeBufferPointer { all in
                for n in 0..<windows {
                    let row = (n / 40 + n % 3) % 64
                    labelSum &+= songs.music(UnsafeBufferPointer(rebasing: all[(row * genres)..<((row + 1) * genres)])).label
                }
            }
            best = min(best, (cpuSeconds() - start) / Double(windows))
            if labelSum < 0 { print(labelSum) }  // keeps the loop from being optimised away
        }
        print("\nSong decisions (--smooth songs) per window: \(f(best * 1e6, 3)) us CPU, \(f(best / networkSeconds * 100, 4))% of the networks' time")
    }

    // MARK: CNN

    /// Times the network; returns its best CPU seconds per window.
    @discardableResult
    private func cnn(_ network: Network, cpu: CPUInfo) throws -> Double {
        var rng = UInt64(7)
        var input = [Float](repeating: 0, count: network.inputCount)
        for i in input.indices {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            input[i] = Float(Int64(bitPattern: rng >> 11) % 2000) / 1000 - 1
        }
        var stepSeconds = [Double](repeating: 0, count: network.steps.count)
        input.withUnsafeBufferPointer { x in
            for _ in 0..<min(10, windows) { network.run(x) }  // warm caches
            stepSeconds.withUnsafeMutableBufferPointer { s in
                for _ in 0..<windows { network.profile(x, stepSeconds: s) }
            }
        }
        var best = Double.infinity
        input.withUnsafeBufferPointer { x in
            for _ in 0..<5 {
                let start = cpuSeconds()
                for _ in 0..<windows { network.run(x) }
                best = min(best, (cpuSeconds() - start) / Double(windows))
            }
        }
        let flops = Double(network.flopsPerWindow)
        let ghz = cpu.measuredGHz ?? cpu.mhz / 1000
        // The dispatched convolution's peak: two FMA pipes x lanes x 2 flop per cycle.
        let lanes: Double = gs_uses_avx512() != 0 ? 16 : (gs_active_isa() == GS_ISA_AVX2 ? 8 : (gs_active_isa() == GS_ISA_NEON ? 4 : 1))
        let peak = 4 * lanes * ghz
        print("\nNetwork per window: \(f(best * 1e3, 3)) ms CPU (best of 5 x \(windows) windows), \(f(flops / best / 1e9, 1)) GFLOP/s"
              + " = \(f(100 * flops / best / 1e9 / peak, 0))% of the \(f(peak, 1)) GFLOP/s FMA peak (\(f(4 * lanes, 0)) flop/cycle x \(f(ghz, 3)) GHz)")
        // A Winograd step's rate counts the direct convolution's flops (what it replaces), so it can pass 100%.
        print("  step                   kind                 input shape     MFLOP  ms/window  GFLOP/s  % peak  share")
        let total = stepSeconds.reduce(0, +)
        for (step, t) in zip(network.steps, stepSeconds) {
            let perWindow = t / Double(windows)
            let shape = "\(step.inputShape.c)x\(step.inputShape.h)x\(step.inputShape.w)"
            let rate = Double(step.flops) / perWindow / 1e9
            print("  " + pad(step.name, 21) + "  " + pad("\(step.kind)" + (step.winograd ? " F(2,7)" : ""), 19) + "  " + pad(shape, 14) + "  " + lpad(f(Double(step.flops) / 1e6, 2), 6)
                  + "  " + lpad(f(perWindow * 1e3, 4), 9) + "  " + lpad(step.flops > 0 ? f(rate, 1) : "-", 7)
                  + "  " + lpad(step.flops > 0 ? f(100 * rate / peak, 0) + "%" : "-", 6) + "  " + lpad(f(100 * t / total, 1), 4) + "%")
        }
        // The convolutions alone: the scalar reference and each SIMD version this CPU runs,
        // each against the peak of its own vector width: two FMA pipes x lanes x 2 flop per
        // cycle, at the measured clock where there is one.
        typealias Convolution = (UnsafePointer<Float>, Int32, Int32, Int32, UnsafePointer<Float>, UnsafePointer<Float>,
                                 Int32, Int32, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?) -> Void
        var versions: [(name: String, flopPerCycle: Double, packed: Bool, conv: Convolution)] = [
            ("scalar", 0, false, { gs_conv3x3_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) })]
        #if arch(x86_64)
        if gs_active_isa() == GS_ISA_AVX2 {
            versions.append(("AVX2+FMA", 32, false, { gs_conv3x3_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) }))
        }
        if gs_uses_avx512() != 0 {
            versions.append(("AVX-512F", 64, true, { gs_conv3x3_avx512($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) }))
        }
        #elseif arch(arm64)
        versions.append(("NEON", 16, false, { gs_conv3x3_neon($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) }))
        #endif
        var convFlops = 0.0, seconds = [Double](repeating: 0, count: versions.count)
        for step in network.steps where step.kind == .conv3x3 {
            let (c, h, w) = (step.inputShape.c, step.inputShape.h, step.inputShape.w)
            let cout = step.flops / (2 * 9 * c * h * w)
            let x = (0..<c * h * w).map { Float($0 % 7) * 0.1 }, weight = (0..<cout * c * 9).map { Float($0 % 5) * 0.01 }
            let bias = [Float](repeating: 0, count: cout)
            var out = [Float](repeating: 0, count: cout * h * w)
            var scratch = [Float](repeating: 0, count: gs_conv3x3_scratch_floats(Int32(c), Int32(h), Int32(w)))
            var packed = weight
            gs_conv3x3_pack(weight, Int32(c), Int32(cout), &packed)
            let reps = max(1, 20_000_000 / max(step.flops, 1))
            for (v, version) in versions.enumerated() {
                let taps = version.packed ? packed : weight
                let t0 = cpuSeconds()
                for _ in 0..<reps { version.conv(x, Int32(c), Int32(h), Int32(w), taps, bias, Int32(cout), 1, &out, &scratch) }
                seconds[v] += (cpuSeconds() - t0) / Double(reps)
            }
            convFlops += Double(step.flops)
        }
        if convFlops > 0 {
            // ghz as above
            let parts = zip(versions, seconds).map { version, time -> String in
                let rate = convFlops / time / 1e9
                guard version.flopPerCycle > 0 else { return "\(version.name) \(f(rate, 1)) GFLOP/s" }
                let peak = version.flopPerCycle * ghz
                return "\(version.name) \(f(rate, 1)) GFLOP/s = \(f(100 * rate / peak, 0))% of its peak \(f(peak, 1))"
                    + " (\(f(version.flopPerCycle, 0)) flop/cycle x \(f(ghz, 3)) GHz)"
            }
            print("  3x3 convolutions: " + parts.joined(separator: "; "))
        }
        directConvolutions(network, ghz: ghz)
        return best
    }

    /// The direct convolutions of the network's shapes, each version this CPU runs
    /// against the peak of its own vector width (the dispatched one is in the table above).
    private func directConvolutions(_ network: Network, ghz: Double) {
        typealias Convolution = (UnsafePointer<Float>, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Int32>,
                                 UnsafePointer<Float>, UnsafePointer<Float>, Int32, UnsafeMutablePointer<Float>,
                                 UnsafeMutablePointer<Float>) -> Void
        var versions: [(name: String, flopPerCycle: Double, conv: Convolution)] = [
            ("scalar", 0, { gs_conv2d_maxmin_h_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) })]
        #if arch(x86_64)
        if gs_active_isa() == GS_ISA_AVX2 {
            versions.append(("AVX2+FMA", 32, { gs_conv2d_maxmin_h_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }))
        }
        if gs_uses_avx512() != 0 {
            versions.append(("AVX-512F", 64, { gs_conv2d_maxmin_h_avx512($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }))
        }
        #elseif arch(arm64)
        versions.append(("NEON", 16, { gs_conv2d_maxmin_h_neon($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }))
        #endif
        var flops = 0.0, seconds = [Double](repeating: 0, count: versions.count)
        for step in network.steps where step.kind == .convMaxOverH || step.kind == .conv {
            let x = step.inputShape, cout = step.outputShape.c, (kh, kw) = step.kernelSize, p = step.pad
            let hp = x.h + p[0] + p[1], wp = x.w + p[2] + p[3], hOut = hp - kh + 1, wOut = wp - kw + 1
            let input = (0..<x.count).map { Float($0 % 7) * 0.1 }, weight = (0..<cout * x.c * kh * kw).map { Float($0 % 5) * 0.01 }
            var padded = [Float](repeating: 0, count: gs_pad2d_floats(Int32(x.c), Int32(x.h), Int32(x.w), Int32(p[0]), Int32(p[1]), Int32(p[2]), Int32(p[3])))
            gs_pad2d(input, Int32(x.c), Int32(x.h), Int32(x.w), Int32(p[0]), Int32(p[1]), Int32(p[2]), Int32(p[3]), &padded)
            var packed = [Float](repeating: 0, count: gs_conv_packed_floats(Int32(x.c), Int32(kh), Int32(kw), Int32(cout)))
            gs_conv_pack(weight, Int32(x.c), Int32(kh), Int32(kw), Int32(cout), &packed)
            var offsets = [Int32](repeating: 0, count: x.c * kh * kw)
            gs_conv_offsets(Int32(x.c), Int32(kh), Int32(kw), Int32(hp), Int32(wp), &offsets)
            let bias = [Float](repeating: 0, count: cout)
            var mx = [Float](repeating: 0, count: cout * wOut), mn = mx
            let stepFlops = 2 * x.c * kh * kw * cout * hOut * wOut
            let reps = max(1, 200_000_000 / stepFlops)
            for (v, version) in versions.enumerated() {
                let n = v == 0 ? 1 : reps  // the scalar reference once: it is 10x slower
                let t0 = cpuSeconds()
                for _ in 0..<n {
                    version.conv(padded, Int32(x.c), Int32(hp), Int32(wp), Int32(kh), Int32(kw), offsets, packed, bias, Int32(cout), &mx, &mn)
                }
                seconds[v] += (cpuSeconds() - t0) / Double(n)
            }
            flops += Double(stepFlops)
        }
        guard flops > 0 else { return }
        let parts = zip(versions, seconds).map { version, time -> String in
            let rate = flops / time / 1e9
            guard version.flopPerCycle > 0 else { return "\(version.name) \(f(rate, 1)) GFLOP/s" }
            let peak = version.flopPerCycle * ghz
            return "\(version.name) \(f(rate, 1)) GFLOP/s = \(f(100 * rate / peak, 0))% of its peak \(f(peak, 1))"
        }
        print("  direct convolutions (\(f(flops / 1e6, 0)) MFLOP of the network's shapes, reduced over H): " + parts.joined(separator: "; "))
    }

    // MARK: frontend and resampler

    private func frontend(_ settings: FrontendSettings) throws {
        let audio = GeneratedAudio(seconds: 60, sampleRate: settings.sampleRate, channels: 1)
        var samples = [Float](repeating: 0, count: 60 * settings.sampleRate)
        _ = try samples.withUnsafeMutableBufferPointer { try audio.read(into: $0) }
        let frontend = try MelFrontend(settings: settings)
        var best = Double.infinity
        for _ in 0..<3 {
            frontend.reset()
            let start = cpuSeconds()
            samples.withUnsafeBufferPointer { all in frontend.process(all) { _ in } }
            best = min(best, cpuSeconds() - start)
        }
        print("\nFrontend (Hann + FFTW r2c + power + mel + compression): \(f(best / 60 * 1e3, 3)) ms CPU per second of audio, \(f(best / Double(frontend.framesProduced) * 1e6, 2)) us per frame")
    }

    private func resampler(_ settings: FrontendSettings) throws {
        let rate = 44100, channels = 2
        var interleaved = [Float](repeating: 0, count: 60 * rate * channels)
        _ = try interleaved.withUnsafeMutableBufferPointer { try GeneratedAudio(seconds: 60, sampleRate: rate, channels: channels).read(into: $0) }
        var best = Double.infinity
        for _ in 0..<3 {
            let source = BufferSource(samples: interleaved, format: StreamFormat(sampleRate: rate, channels: channels))
            let converter = SourceReader(outputRate: settings.sampleRate)
            var produced = 0
            let start = cpuSeconds()
            _ = try converter.run(source, maxSeconds: nil, onGaps: { _ in }, onNotice: { _ in }) { produced += $0.count }
            best = min(best, cpuSeconds() - start)
            precondition(abs(produced - 60 * settings.sampleRate) < settings.sampleRate)
        }
        print("Downmix + resampler (libsoxr HQ), 44.1 kHz stereo -> \(settings.sampleRate) Hz mono: \(f(best / 60 * 1e3, 3)) ms CPU per second of audio")
    }

    // MARK: the whole process

    private func endToEnd(_ model: ModelFile) throws {
        print("End to end: genre-stream as a child process, CPU time (user+sys) from wait4, JSONL to /dev/null")
        if let input {
            let source = try SoundFileSource(path: input)
            var all: [Float] = []
            var chunk = [Float](repeating: 0, count: 65536 * source.format.channels)
            while true {
                let n = try chunk.withUnsafeMutableBufferPointer { try source.read(into: $0) }
                if n == 0 { break }
                all += chunk[0..<n]
            }
            var bytes = [UInt8](repeating: 0, count: all.count * 4)
            for (i, v) in all.enumerated() {
                let bits = v.bitPattern
                for b in 0..<4 { bytes[4 * i + b] = UInt8(truncatingIfNeeded: bits >> (8 * UInt32(b))) }
            }
            let seconds = Double(all.count / source.format.channels) / Double(source.format.sampleRate)
            try stream(label: "\(input) as FLOAT_LE \(source.format.sampleRate) Hz x\(source.format.channels)",
                       arguments: ["-f", "FLOAT_LE", "-r", String(source.format.sampleRate), "-c", String(source.format.channels)],
                       seconds: seconds, minute: nil) { write in
                bytes.withUnsafeBytes { write($0) }
            }
            return
        }
        for (rate, channels) in [(model.frontend.sampleRate, 1), (44100, 2)] {
            // One minute of generated audio, looped: deterministic and cheap to make.
            let minute = GeneratedAudio(seconds: 60, sampleRate: rate, channels: channels)
            var bytes = [UInt8](repeating: 0, count: 60 * rate * channels * 2)
            var scratch = [Float](repeating: 0, count: 60 * rate * channels)
            _ = minute.s16Bytes(frames: 60 * rate, into: &bytes, scratch: &scratch)
            let minutes = Int((seconds / 60).rounded())
            try stream(label: "raw S16_LE \(rate) Hz \(channels == 1 ? "mono" : "stereo"), \(minutes * 60) s",
                       arguments: ["-f", "S16_LE", "-r", String(rate), "-c", String(channels)],
                       seconds: Double(minutes * 60), minute: minutes) { write in
                bytes.withUnsafeBytes { write($0) }
            }
        }
    }

    /// Pipes audio into a child and reports its CPU time, real-time factor and memory.
    /// `feed` writes one block (the whole input, or one minute when `minute` gives a repeat count).
    private func stream(label: String, arguments: [String], seconds: Double, minute: Int?,
                        feed: ((UnsafeRawBufferPointer) -> Void) -> Void) throws {
        let child = try ChildProcess(arguments: arguments + modelArguments + ["--output", "jsonl"], captureStdout: false)
        var afterFirstMinute = 0
        for i in 0..<(minute ?? 1) {
            feed { child.write($0) }
            if i == 0 {
                usleep(200_000)  // let the child drain the pipe before looking at it
                afterFirstMinute = child.residentKiB()
            }
        }
        usleep(200_000)
        let atEnd = child.residentKiB()
        // The child's own high-water mark: wait4's ru_maxrss would also count the
        // parent's pages that a vfork-style spawn shares before exec.
        let peak = child.peakResidentKiB()
        let usage = child.finish()
        guard usage.exitStatus == 0 else { throw EngineError.internalFault("child exited with \(usage.exitStatus)") }
        print("  \(label): \(f(usage.cpuSeconds, 3)) s CPU, \(f(seconds / usage.cpuSeconds, 0))x real time; "
              + "peak RSS \(f(Double(peak) / 1024, 2)) MiB"
              + (minute != nil ? "; RSS after the first minute \(afterFirstMinute) KiB, at the end \(atEnd) KiB (\(atEnd - afterFirstMinute >= 0 ? "+" : "")\(atEnd - afterFirstMinute) KiB)" : ""))
    }

    private func startup() throws {
        var times: [Double] = []
        for _ in 0..<21 {
            let start = Clocks.monotonicSeconds()
            // An empty pipe, not /dev/null, which the CLI refuses as "nothing to classify".
            let child = try ChildProcess(arguments: modelArguments, captureStdout: false)
            _ = child.finish()
            times.append(Clocks.monotonicSeconds() - start)
        }
        times.sort()
        print("Start-up: \(f(times[times.count / 2] * 1e3, 2)) ms median of \(times.count) (process start, model load, "
              + "frontend plan, read of an empty stdin, exit: an upper bound on start to first sample read)")
    }

    private func latency(_ settings: FrontendSettings) throws {
        let windows = 20
        let samplesPerWindow = settings.framesPerWindow * settings.hopLength
        let audio = GeneratedAudio(seconds: Double(windows + 1) * settings.windowSeconds, sampleRate: settings.sampleRate, channels: 1)
        var bytes = [UInt8](repeating: 0, count: (windows + 1) * samplesPerWindow * 2)
        var scratch = [Float](repeating: 0, count: (windows + 1) * samplesPerWindow)
        _ = audio.s16Bytes(frames: (windows + 1) * samplesPerWindow, into: &bytes, scratch: &scratch)
        let child = try ChildProcess(arguments: ["-f", "S16_LE", "-r", String(settings.sampleRate), "-c", "1", "--output", "jsonl"] + modelArguments,
                                     captureStdout: true)
        // A window's line can be written once its last frame is complete:
        // win_length - hop samples past the window's last hop.
        let lookahead = settings.winLength - settings.hopLength
        var sent = 0
        var delays: [Double] = []
        bytes.withUnsafeBytes { all in
            for k in 1...windows {
                let needed = k * samplesPerWindow + lookahead
                child.write(UnsafeRawBufferPointer(rebasing: all[(2 * sent)..<(2 * needed)]))
                sent = needed
                let start = Clocks.monotonicSeconds()
                guard child.readLine() else { return }
                delays.append(Clocks.monotonicSeconds() - start)
            }
        }
        _ = child.finish()
        delays.sort()
        guard !delays.isEmpty else { throw EngineError.internalFault("no line came back in the latency test") }
        print("Label latency (window's last needed sample written -> its line read): median \(f(delays[delays.count / 2] * 1e3, 2)) ms, "
              + "max \(f(delays.last! * 1e3, 2)) ms over \(delays.count) windows")
    }
}

/// Interleaved samples from memory: feeds the resampler benchmark without decoding cost.
private final class BufferSource: AudioSource {
    let format: StreamFormat
    let name = "buffer"
    private let samples: [Float]
    private var position = 0

    init(samples: [Float], format: StreamFormat) {
        self.samples = samples
        self.format = format
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        let n = min(buffer.count, samples.count - position)
        samples.withUnsafeBufferPointer { s in
            buffer.baseAddress!.update(from: s.baseAddress! + position, count: n)
        }
        position += n
        return n
    }
}

/// What /proc/cpuinfo says about the first CPU.
/// CPU time of this process (user + system): the measure that a busy, shared machine disturbs least.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return usage.cpuSeconds
}

extension rusage {
    /// User plus system time.
    var cpuSeconds: Double {
        Double(ru_utime.tv_sec) + Double(ru_utime.tv_usec) * 1e-6 + Double(ru_stime.tv_sec) + Double(ru_stime.tv_usec) * 1e-6
    }
}

private func f(_ value: Double, _ decimals: Int) -> String { TextFormatting.fixed(value, decimals) }
private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
private func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }

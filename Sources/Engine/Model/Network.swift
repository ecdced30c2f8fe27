import CKernels

#if canImport(Glibc)
import Glibc
#endif

/// Runs the model's CNN on one window with the CKernels routines.
///
/// All scratch memory is sized here, at load, for a window of
/// `frames_per_window` frames; `probabilities(for:into:)` allocates nothing.
public final class Network {
    /// The model's header (labels, frontend, layers); its `tensors` are emptied.
    public let model: ModelFile
    public var labelCount: Int { model.labels.count }
    /// Elements of one input window: n_mels x frames_per_window.
    public let inputCount: Int

    /// One layer as the network runs it, with the shape it sees.
    public struct Step {
        public enum Kind: Equatable { case conv, maxpool, globalAvgpool, dense, softmax }
        public var kind: Kind
        public var name: String
        /// Input shape [C, H, W] (H = W = 1 after the global pool).
        public var inputShape: (c: Int, h: Int, w: Int)
        /// Multiply-adds x 2.
        public var flops: Int
        fileprivate var weight: [Float] = []
        fileprivate var bias: [Float] = []
        fileprivate var outChannels = 0
        fileprivate var relu = false
        fileprivate var kernel = (h: 1, w: 1)
    }

    public let steps: [Step]
    private var ping: [Float]
    private var pong: [Float]
    /// Matrix panels for the SIMD convolutions, sized for the largest layer.
    private var convScratch: [Float]

    public init(model: ModelFile) {
        // The steps below keep their own (packed) weights; holding the file's copies
        // as well would keep 1.5 MB resident for nothing.
        var kept = model
        kept.tensors = [:]
        self.model = kept
        let f = model.frontend
        inputCount = f.nMels * f.framesPerWindow
        var largest = inputCount, scratch = 0
        var c = 1, h = f.nMels, w = f.framesPerWindow
        var steps: [Step] = []
        for layer in model.layers {
            var step = Step(kind: .softmax, name: "", inputShape: (c, h, w), flops: 0)
            switch layer {
            case let .conv3x3(name, cin, cout, relu):
                step.kind = .conv
                step.name = name
                // Rearranged once here into the order the convolution kernel reads.
                let plain = model.tensors[name + ".weight"]!
                step.weight = [Float](unsafeUninitializedCapacity: plain.count) { packed, count in
                    gs_conv3x3_pack(plain, Int32(cin), Int32(cout), packed.baseAddress)
                    count = plain.count
                }
                step.bias = model.tensors[name + ".bias"]!
                step.outChannels = cout
                step.relu = relu
                step.flops = 2 * 9 * cin * cout * h * w
                scratch = max(scratch, gs_conv3x3_scratch_floats(Int32(cin), Int32(h), Int32(w)))
                c = cout
                largest = max(largest, c * h * w)
            case let .maxpool(kh, kw):
                step.kind = .maxpool
                step.name = "maxpool \(kh)x\(kw)"
                step.kernel = (kh, kw)
                h /= kh
                w /= kw
            case .globalAvgpool:
                step.kind = .globalAvgpool
                step.name = "global avgpool"
                h = 1
                w = 1
            case let .dense(name, fin, fout, relu):
                step.kind = .dense
                step.name = name
                step.weight = model.tensors[name + ".weight"]!
                step.bias = model.tensors[name + ".bias"]!
                step.outChannels = fout
                step.relu = relu
                step.flops = 2 * fin * fout
                c = fout
                largest = max(largest, fout)
            case .softmax:
                step.name = "softmax"
            }
            steps.append(step)
        }
        self.steps = steps
        ping = [Float](repeating: 0, count: largest)
        pong = [Float](repeating: 0, count: largest)
        convScratch = [Float](repeating: 0, count: scratch)
    }

    /// Multiply-adds x 2 for one window: the figure the model card reports.
    public var flopsPerWindow: Int { steps.reduce(0) { $0 + $1.flops } }

    /// Runs the network on a standardised window `[n_mels][frames_per_window]`
    /// and writes `labelCount` probabilities into `output`.
    public func probabilities(for input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        forward(input, output, stepSeconds: nil)
    }

    /// As `probabilities(for:into:)`, adding each step's wall time to
    /// `stepSeconds` (one slot per step): for the benchmark's per-kernel breakdown.
    public func profile(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                        stepSeconds: UnsafeMutableBufferPointer<Double>) {
        precondition(stepSeconds.count == steps.count)
        forward(input, output, stepSeconds: stepSeconds)
    }

    private func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                         stepSeconds: UnsafeMutableBufferPointer<Double>?) {
        precondition(input.count == inputCount && output.count == labelCount)
        convScratch.withUnsafeMutableBufferPointer { scratch in
            ping.withUnsafeMutableBufferPointer { a in
                pong.withUnsafeMutableBufferPointer { b in
                    // The first step reads the input where it is; then the two buffers take turns.
                    var src = input.baseAddress!
                    var dst = a.baseAddress!, spare = b.baseAddress!
                    for (index, step) in steps.enumerated() {
                        let started = stepSeconds == nil ? 0 : monotonicSeconds()
                        run(step, src, dst, scratch.baseAddress)
                        if let stepSeconds { stepSeconds[index] += monotonicSeconds() - started }
                        src = UnsafePointer(dst)
                        swap(&dst, &spare)
                    }
                    output.baseAddress!.update(from: src, count: labelCount)
                }
            }
        }
    }

    private func run(_ step: Step, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                     _ scratch: UnsafeMutablePointer<Float>?) {
        let (c, h, w) = (Int32(step.inputShape.c), Int32(step.inputShape.h), Int32(step.inputShape.w))
        switch step.kind {
        case .conv:
            step.weight.withUnsafeBufferPointer { wt in
                step.bias.withUnsafeBufferPointer { bs in
                    gs_conv3x3(src, c, h, w, wt.baseAddress, bs.baseAddress, Int32(step.outChannels),
                               step.relu ? 1 : 0, dst, scratch)
                }
            }
        case .maxpool:
            gs_maxpool(src, c, h, w, Int32(step.kernel.h), Int32(step.kernel.w), dst)
        case .globalAvgpool:
            gs_global_avgpool(src, c, h, w, dst)
        case .dense:
            step.weight.withUnsafeBufferPointer { wt in
                step.bias.withUnsafeBufferPointer { bs in
                    gs_dense(src, c, wt.baseAddress, bs.baseAddress, Int32(step.outChannels), step.relu ? 1 : 0, dst)
                }
            }
        case .softmax:
            gs_softmax(src, c, dst)
        }
    }
}

/// Seconds on a clock that never jumps; for measuring intervals only.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

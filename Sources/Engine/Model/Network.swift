import CKernels

#if canImport(Glibc)
import Glibc
#endif

/// Runs a model's graph on one window with the CKernels routines.
///
/// Everything is planned here, at load: which nodes run fused, where each value
/// lives (values share buffers once their last reader has run), and the scratch
/// the convolutions need. `run(_:)` allocates nothing.
public final class Network {
    /// The model's header (frontend, graph, outputs); its `tensors` are emptied.
    public let model: ModelFile
    /// Elements of one input window: n_mels x frames_per_window.
    public let inputCount: Int
    /// The genre output's size; 0 when the model has none.
    public let labelCount: Int

    /// One kernel call as the network runs it: a node, or a chain of nodes fused into one call.
    public struct Step {
        public enum Kind: Equatable, Sendable {
            /// A convolution with ReLU/affine and a max over H fused in, its map never stored.
            case convMaxOverH
            case conv, conv3x3, relu, affine, reduce, maxpool, globalAvgpool, concat, add, dense, softmax, sigmoid
        }
        public var kind: Kind
        /// The node whose value it computes (the last of a fused chain), and the chain's names.
        public var name: String
        public var nodes: [String]
        public var inputShape: Shape
        public var outputShape: Shape
        /// Multiply-adds x 2.
        public var flops: Int
        /// For convolutions: Winograd F(2,7) along time (kernels 7 wide, where a SIMD
        /// version runs: 1.75x fewer multiplies) rather than the direct sum.
        public fileprivate(set) var winograd = false
        fileprivate var node: Int
        fileprivate var inputs: [Int]
        fileprivate var weight: [Float] = []
        fileprivate var bias: [Float] = []
        fileprivate var scale: [Float] = []
        fileprivate var shift: [Float] = []
        fileprivate var offsets: [Int32] = []
        fileprivate var relu = false
        public fileprivate(set) var kernel = (h: 1, w: 1)
        fileprivate var stride = (h: 1, w: 1)
        /// A convolution's zero padding: top, bottom, left, right.
        public fileprivate(set) var pad = [0, 0, 0, 0]
        fileprivate var axis = 0
        fileprivate var reduceKind = 0
    }

    public let steps: [Step]
    /// Buffers the values live in; a value's buffer is `slots[slotOf[node]]`, node 0 (the window) has none.
    private let slots: [UnsafeMutableBufferPointer<Float>]
    private let slotOf: [Int]
    private let scratch: UnsafeMutableBufferPointer<Float>
    private var inputPointer: UnsafePointer<Float>? = nil

    public init(model: ModelFile) {
        let nodes = model.nodes
        inputCount = nodes[0].shape.count
        labelCount = model.output(ModelOutput.genre).map { nodes[$0.node].shape.count } ?? 0
        let outputNodes = Set(model.outputs.map(\.node))
        var readers = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() { for input in node.inputs { readers[input].append(i) } }
        func onlyReader(_ i: Int) -> Int? {
            readers[i].count == 1 && !outputNodes.contains(i) ? readers[i][0] : nil
        }

        // Fusion: conv2d -> [relu] -> [affine] -> reduce(max, h), each link read only by the next.
        var fusedInto = [Int?](repeating: nil, count: nodes.count)
        for (i, node) in nodes.enumerated() {
            guard case .conv2d = node.op else { continue }
            var chain = [i], at = i
            var sawRelu = false, sawAffine = false, end: Int? = nil
            while let next = onlyReader(at) {
                let op = nodes[next].op
                if op == .relu, !sawRelu, !sawAffine { sawRelu = true }
                else if op == .affine, !sawAffine { sawAffine = true }
                else if op == .reduce(.max, .h) { end = next; chain.append(next); break }
                else { break }
                chain.append(next)
                at = next
            }
            if let end { for c in chain { fusedInto[c] = end } }
        }

        var steps: [Step] = []
        var scratchFloats = 0
        for (i, node) in nodes.enumerated() where i > 0 {
            if let end = fusedInto[i], end != i { continue }
            let first = fusedInto[i] == i ? nodes.indices.first { fusedInto[$0] == i }! : i
            let head = nodes[first]
            let x = nodes[head.inputs[0]].shape
            var step = Step(kind: .relu, name: node.name, nodes: [node.name], inputShape: x, outputShape: node.shape,
                            flops: head.flops(input: x), node: i, inputs: head.inputs)
            func tensor(_ n: String) -> [Float] { model.tensors[n]! }
            switch head.op {
            case let .conv2d(cout, kh, kw, pad, relu):
                step.kernel = (kh, kw)
                step.pad = pad
                step.relu = relu
                step.bias = tensor(head.name + ".bias")
                let plain = tensor(head.name + ".weight")
                let hp = x.h + pad[0] + pad[1], wp = x.w + pad[2] + pad[3]
                if fusedInto[i] == i {
                    step.kind = .convMaxOverH
                    step.nodes = (first...i).filter { fusedInto[$0] == i }.map { nodes[$0].name }
                    for n in (first...i) where fusedInto[n] == i {
                        if nodes[n].op == .relu { step.relu = true }
                        if nodes[n].op == .affine {
                            step.scale = tensor(nodes[n].name + ".scale")
                            step.shift = tensor(nodes[n].name + ".shift")
                        }
                    }
                } else if kh == 3, kw == 3, pad == [1, 1, 1, 1] {
                    // The small CNN's layers: the tuned 3x3 kernels, packed their own way.
                    step.kind = .conv3x3
                    step.weight = [Float](unsafeUninitializedCapacity: plain.count) { packed, count in
                        gs_conv3x3_pack(plain, Int32(x.c), Int32(cout), packed.baseAddress)
                        count = plain.count
                    }
                    scratchFloats = max(scratchFloats, gs_conv3x3_scratch_floats(Int32(x.c), Int32(x.h), Int32(x.w)))
                    break
                } else {
                    step.kind = .conv
                }
                var need = gs_pad2d_floats(Int32(x.c), Int32(x.h), Int32(x.w), Int32(pad[0]), Int32(pad[1]), Int32(pad[2]), Int32(pad[3]))
                if step.kind == .convMaxOverH { need += 2 * cout * (wp - kw + 1) }
                step.winograd = kw == 7 && gs_wino27_available() != 0
                if step.winograd {
                    let packedCount = gs_wino27_packed_floats(Int32(x.c), Int32(kh), Int32(cout))
                    step.weight = [Float](unsafeUninitializedCapacity: packedCount) { packed, count in
                        gs_wino27_pack(plain, Int32(x.c), Int32(kh), Int32(cout), packed.baseAddress)
                        count = packedCount
                    }
                    need += gs_wino27_scratch_floats(Int32(x.c), Int32(hp), Int32(wp))
                } else {
                    let packedCount = gs_conv_packed_floats(Int32(x.c), Int32(kh), Int32(kw), Int32(cout))
                    step.weight = [Float](unsafeUninitializedCapacity: packedCount) { packed, count in
                        gs_conv_pack(plain, Int32(x.c), Int32(kh), Int32(kw), Int32(cout), packed.baseAddress)
                        count = packedCount
                    }
                    step.offsets = [Int32](unsafeUninitializedCapacity: x.c * kh * kw) { offsets, count in
                        gs_conv_offsets(Int32(x.c), Int32(kh), Int32(kw), Int32(hp), Int32(wp), offsets.baseAddress)
                        count = x.c * kh * kw
                    }
                }
                scratchFloats = max(scratchFloats, need)
            case .relu: step.kind = .relu
            case .affine:
                step.kind = .affine
                step.scale = tensor(head.name + ".scale")
                step.shift = tensor(head.name + ".shift")
            case let .reduce(kind, axis):
                step.kind = .reduce
                step.axis = axis == .h ? 0 : 1
                step.reduceKind = kind == .max ? 0 : 1
            case let .maxpool(kh, kw, sh, sw):
                step.kind = .maxpool
                step.kernel = (kh, kw)
                step.stride = (sh, sw)
            case .globalAvgpool: step.kind = .globalAvgpool
            case .concat: step.kind = .concat
            case .add: step.kind = .add
            case let .dense(_, relu):
                step.kind = .dense
                step.relu = relu
                step.weight = tensor(head.name + ".weight")
                step.bias = tensor(head.name + ".bias")
            case .softmax: step.kind = .softmax
            case .sigmoid: step.kind = .sigmoid
            case .input: preconditionFailure("node 0 is the only input")
            }
            steps.append(step)
        }

        // Buffers: a value's buffer is free again once every step reading it has run;
        // model outputs stay until the next window.
        var lastRead = [Int](repeating: -1, count: nodes.count)
        for (s, step) in steps.enumerated() { for input in step.inputs { lastRead[input] = s } }
        for o in outputNodes { lastRead[o] = Int.max }
        var capacity: [Int] = [], holder: [Int?] = [], slotOf = [Int](repeating: -1, count: nodes.count)
        for (s, step) in steps.enumerated() {
            for k in holder.indices { if let h = holder[k], lastRead[h] < s { holder[k] = nil } }
            let need = step.outputShape.count
            let free = holder.indices.filter { holder[$0] == nil }
            let slot = free.filter { capacity[$0] >= need }.min { capacity[$0] < capacity[$1] }
                ?? free.max { capacity[$0] < capacity[$1] }
                ?? { capacity.append(0); holder.append(nil); return capacity.count - 1 }()
            capacity[slot] = max(capacity[slot], need)
            holder[slot] = step.node
            slotOf[step.node] = slot
        }
        self.slots = capacity.map { n in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
            buffer.initialize(repeating: 0)
            return buffer
        }
        self.slotOf = slotOf
        scratch = .allocate(capacity: max(scratchFloats, 1))
        scratch.initialize(repeating: 0)
        self.steps = steps
        // The steps keep their own (packed) weights; holding the file's copies
        // as well would keep them resident twice.
        var kept = model
        kept.tensors = [:]
        self.model = kept
    }

    deinit {
        for slot in slots { slot.deallocate() }
        scratch.deallocate()
    }

    /// Multiply-adds x 2 for one window: the figure the model card reports.
    public var flopsPerWindow: Int { steps.reduce(0) { $0 + $1.flops } }

    /// Floats the value buffers and scratch hold: the network's working memory.
    public var workingFloats: Int { slots.reduce(scratch.count) { $0 + $1.count } }

    /// Evaluates the graph on a window `[n_mels][frames_per_window]` (standardised
    /// when the model says so). The outputs are then readable with `values(of:)`.
    public func run(_ input: UnsafeBufferPointer<Float>) {
        forward(input, stepSeconds: nil)
    }

    /// An output's values from the last `run`; valid until the next one.
    public func values(of output: ModelOutput) -> UnsafeBufferPointer<Float> {
        let slot = slots[slotOf[output.node]]
        return UnsafeBufferPointer(start: slot.baseAddress, count: model.nodes[output.node].shape.count)
    }

    /// Runs the network and writes the genre output's `labelCount` probabilities into `output`.
    public func probabilities(for input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(output.count == labelCount && labelCount > 0)
        run(input)
        let values = values(of: model.output(ModelOutput.genre)!)
        output.baseAddress!.update(from: values.baseAddress!, count: labelCount)
    }

    /// As `run(_:)`, adding each step's wall time to `stepSeconds` (one slot per
    /// step): for the benchmark's per-node breakdown.
    public func profile(_ input: UnsafeBufferPointer<Float>, stepSeconds: UnsafeMutableBufferPointer<Double>) {
        precondition(stepSeconds.count == steps.count)
        forward(input, stepSeconds: stepSeconds)
    }

    private func forward(_ input: UnsafeBufferPointer<Float>, stepSeconds: UnsafeMutableBufferPointer<Double>?) {
        precondition(input.count == inputCount)
        inputPointer = input.baseAddress
        defer { inputPointer = nil }
        for (index, step) in steps.enumerated() {
            let started = stepSeconds == nil ? 0 : Clocks.monotonicSeconds()
            run(step)
            if let stepSeconds { stepSeconds[index] += Clocks.monotonicSeconds() - started }
        }
    }

    private func value(_ node: Int) -> UnsafePointer<Float> {
        node == 0 ? inputPointer! : UnsafePointer(slots[slotOf[node]].baseAddress!)
    }

    private func run(_ step: Step) {
        let x = step.inputShape, y = step.outputShape
        let src = value(step.inputs[0])
        let dst = slots[slotOf[step.node]].baseAddress!
        let (c, h, w) = (Int32(x.c), Int32(x.h), Int32(x.w))
        switch step.kind {
        case .conv3x3:
            step.weight.withUnsafeBufferPointer { wt in
                step.bias.withUnsafeBufferPointer { bs in
                    gs_conv3x3(src, c, h, w, wt.baseAddress, bs.baseAddress, Int32(y.c), step.relu ? 1 : 0, dst, scratch.baseAddress)
                }
            }
        case .conv, .convMaxOverH:
            let p = step.pad
            let hp = Int32(x.h + p[0] + p[1]), wp = Int32(x.w + p[2] + p[3])
            let padded = scratch.baseAddress!
            gs_pad2d(src, c, h, w, Int32(p[0]), Int32(p[1]), Int32(p[2]), Int32(p[3]), padded)
            let paddedCount = gs_pad2d_floats(c, h, w, Int32(p[0]), Int32(p[1]), Int32(p[2]), Int32(p[3]))
            let (kh, kw) = (Int32(step.kernel.h), Int32(step.kernel.w))
            // Scratch: the padded input, then the running max and min, then Winograd's transformed input.
            let mx = padded + paddedCount, mn = mx + y.count
            let transformed = step.kind == .convMaxOverH ? mn + y.count : mx
            step.weight.withUnsafeBufferPointer { wt in
                step.bias.withUnsafeBufferPointer { bs in
                    step.offsets.withUnsafeBufferPointer { off in
                        switch (step.kind, step.winograd) {
                        case (.conv, true):
                            return gs_conv2d_wino27(padded, c, hp, wp, kh, wt.baseAddress, bs.baseAddress, Int32(y.c),
                                                    step.relu ? 1 : 0, dst, transformed)
                        case (.conv, false):
                            return gs_conv2d(padded, c, hp, wp, kh, kw, off.baseAddress, wt.baseAddress, bs.baseAddress,
                                             Int32(y.c), step.relu ? 1 : 0, dst)
                        case (_, true):
                            gs_conv2d_maxmin_h_wino27(padded, c, hp, wp, kh, wt.baseAddress, bs.baseAddress, Int32(y.c),
                                                      mx, mn, transformed)
                        case (_, false):
                            gs_conv2d_maxmin_h(padded, c, hp, wp, kh, kw, off.baseAddress, wt.baseAddress, bs.baseAddress,
                                               Int32(y.c), mx, mn)
                        }
                        guard !step.scale.isEmpty else {
                            // No affine in the chain: the kernel takes NULL (an empty array's pointer need not be).
                            return gs_select_affine(mx, mn, Int32(y.c), Int32(y.w), step.relu ? 1 : 0, nil, nil, dst)
                        }
                        step.scale.withUnsafeBufferPointer { sc in
                            step.shift.withUnsafeBufferPointer { sh in
                                gs_select_affine(mx, mn, Int32(y.c), Int32(y.w), step.relu ? 1 : 0,
                                                 sc.baseAddress, sh.baseAddress, dst)
                            }
                        }
                    }
                }
            }
        case .relu:
            gs_relu(src, x.count, dst)
        case .affine:
            step.scale.withUnsafeBufferPointer { sc in
                step.shift.withUnsafeBufferPointer { sh in
                    gs_affine(src, c, x.h * x.w, sc.baseAddress, sh.baseAddress, dst)
                }
            }
        case .reduce:
            gs_reduce(src, c, h, w, Int32(step.axis), Int32(step.reduceKind), dst)
        case .maxpool:
            if step.stride == step.kernel {
                gs_maxpool(src, c, h, w, Int32(step.kernel.h), Int32(step.kernel.w), dst)
            } else {
                gs_maxpool_strided(src, c, h, w, Int32(step.kernel.h), Int32(step.kernel.w),
                                   Int32(step.stride.h), Int32(step.stride.w), dst)
            }
        case .globalAvgpool:
            gs_global_avgpool(src, c, h, w, dst)
        case .concat:
            var at = dst
            for input in step.inputs {
                let n = model.nodes[input].shape.count
                at.update(from: value(input), count: n)
                at += n
            }
        case .add:
            gs_add(src, value(step.inputs[1]), x.count, dst)
        case .dense:
            step.weight.withUnsafeBufferPointer { wt in
                step.bias.withUnsafeBufferPointer { bs in
                    gs_dense(src, Int32(x.count), wt.baseAddress, bs.baseAddress, Int32(y.c), step.relu ? 1 : 0, dst)
                }
            }
        case .softmax:
            gs_softmax(src, Int32(x.count), dst)
        case .sigmoid:
            gs_sigmoid(src, x.count, dst)
        }
    }
}

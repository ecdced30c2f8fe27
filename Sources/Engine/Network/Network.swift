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
            case conv, conv3x3, pointwise, depthwise, relu, clamp, affine, reduce, maxpool, globalAvgpool, concat, add, dense, softmax, sigmoid
        }
        public var kind: Kind
        /// The node whose value it computes (the last of a fused chain), and the chain's names.
        public var name: String
        public var nodes: [String]
        public var inputShape: Shape
        public var outputShape: Shape
        /// Multiply-adds x 2.
        public var flops: Int
        fileprivate(set) var node: Int
        fileprivate(set) var inputs: [Int]
        fileprivate(set) var kernel: any StepKernel
        /// For convolutions: Winograd F(2,7) along time rather than the direct sum.
        public internal(set) var winograd = false
        public internal(set) var kernelSize = (h: 1, w: 1)
        /// A convolution's zero padding: top, bottom, left, right.
        public internal(set) var pad = [0, 0, 0, 0]

        init(kind: Kind, name: String, nodes: [String], inputShape: Shape, outputShape: Shape, flops: Int,
             node: Int, inputs: [Int], kernel: any StepKernel) {
            (self.kind, self.name, self.nodes, self.inputShape, self.outputShape, self.flops) = (kind, name, nodes, inputShape, outputShape, flops)
            (self.node, self.inputs, self.kernel) = (node, inputs, kernel)
        }
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
        let steps = StepPlanner.steps(model: model)
        let scratchFloats = steps.reduce(0) { max($0, $1.kernel.scratchFloats) }

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
        kept.quantizedTensors = [:]
        self.model = kept
    }

    deinit {
        for slot in slots { slot.deallocate() }
        scratch.deallocate()
    }

    /// Multiply-adds x 2 for one window: the figure the model card reports.
    public var flopsPerWindow: Int { steps.reduce(0) { $0 + $1.flops } }

    /// Floats the value buffers and scratch hold: the network's working memory.
    var workingFloats: Int { slots.reduce(scratch.count) { $0 + $1.count } }

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
        step.kernel.run(input: { value(step.inputs[$0]) }, output: slots[slotOf[step.node]].baseAddress!,
                        scratch: scratch.baseAddress!)
    }
}

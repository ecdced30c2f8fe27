/// One planned kernel call of the network: made at load from its node (or a fused
/// chain of nodes), holding its weights packed as its kernel wants them.
///
/// Each op's planning and kernel call live in one file of this folder; `StepPlanner`
/// only chooses which kernel a node gets. `run` allocates nothing.
protocol StepKernel {
    /// Floats of the network's shared scratch this step needs while it runs.
    var scratchFloats: Int { get }
    /// Computes the step's value into `output`. `input(k)` is its k-th input's value.
    func run(input: (Int) -> UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>)
}

extension StepKernel {
    var scratchFloats: Int { 0 }
}

/// What a step's kernel is made from: its node (the last of a fused chain), the chain,
/// the input's shape and the file's tensors.
struct StepSource {
    let nodes: [GraphNode]
    /// The chain's node indices, first to last; one element when nothing is fused.
    let chain: [Int]
    let tensors: [String: [Float]]
    /// The int8 weights (`ModelFile.quantizedTensors`).
    var quantized: [String: [Int8]] = [:]

    var head: GraphNode { nodes[chain[0]] }
    var last: GraphNode { nodes[chain[chain.count - 1]] }
    var input: Shape { nodes[head.inputs[0]].shape }
    var output: Shape { last.shape }

    /// A tensor of a node in the chain, as floats (an int8 weight times its scales); the
    /// loader has checked that it exists with its shape.
    func tensor(_ node: GraphNode, _ suffix: String) -> [Float] {
        guard suffix == "weight", let (q, scale) = quantizedWeight(node) else { return tensors[node.name + "." + suffix]! }
        let perChannel = q.count / scale.count
        return q.indices.map { Float(q[$0]) * scale[$0 / perChannel] }
    }

    /// A node's weight when the file stores it as int8: the values [out][...] and the
    /// scale of each output channel.
    func quantizedWeight(_ node: GraphNode) -> (q: [Int8], scale: [Float])? {
        guard let q = quantized[node.name + ".weight"] else { return nil }
        return (q, tensors[node.name + GraphNode.weightScaleSuffix]!)
    }
}

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

    var head: GraphNode { nodes[chain[0]] }
    var last: GraphNode { nodes[chain[chain.count - 1]] }
    var input: Shape { nodes[head.inputs[0]].shape }
    var output: Shape { last.shape }

    /// A tensor of a node in the chain; the loader has checked that it exists with its shape.
    func tensor(_ node: GraphNode, _ suffix: String) -> [Float] { tensors[node.name + "." + suffix]! }
}

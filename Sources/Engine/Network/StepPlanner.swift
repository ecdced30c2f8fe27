import CKernels

/// Turns the graph into the steps the network runs: which nodes run fused, and which
/// kernel each step gets. An op's own planning and kernel call are in its step type.
enum StepPlanner {
    /// The steps in evaluation order, each with the node whose value it computes.
    static func steps(model: ModelFile) -> [Network.Step] {
        let nodes = model.nodes
        let fusedInto = fusedChains(nodes: nodes, outputNodes: Set(model.outputs.map(\.node)))
        var steps: [Network.Step] = []
        for (i, node) in nodes.enumerated() where i > 0 {
            if let end = fusedInto[i], end != i { continue }
            let chain = fusedInto[i] == i ? nodes.indices.filter { fusedInto[$0] == i } : [i]
            let source = StepSource(nodes: nodes, chain: chain, tensors: model.tensors, quantized: model.quantizedTensors)
            let (kind, kernel) = plan(source)
            let head = source.head
            var step = Network.Step(kind: kind, name: node.name, nodes: chain.map { nodes[$0].name },
                                    inputShape: source.input, outputShape: node.shape,
                                    flops: head.flops(input: source.input), node: i, inputs: head.inputs, kernel: kernel)
            if let conv = kernel as? ConvolutionStep {
                step.winograd = conv.winograd
                step.kernelSize = conv.kernel
                step.pad = conv.pad
            }
            steps.append(step)
        }
        return steps
    }

    /// Which kernel computes a step.
    static func plan(_ source: StepSource) -> (Network.Step.Kind, any StepKernel) {
        let op = source.head.op
        switch op {
        case .conv2d where source.chain.count > 1: return (.convMaxOverH, ConvolutionStep(source))
        case .conv2d where Convolution3x3Step.fits(op): return (.conv3x3, Convolution3x3Step(source))
        case .conv2d where PointwiseStep.fits(op): return (.pointwise, PointwiseStep(source))
        case .conv2d: return (.conv, ConvolutionStep(source))
        case .depthwiseConv2d: return (.depthwise, DepthwiseStep(source))
        case .dense: return (.dense, DenseStep(source))
        case .affine: return (.affine, AffineStep(source))
        case .relu: return (.relu, ElementwiseStep(source))
        case .clamp: return (.clamp, ElementwiseStep(source))
        case .sigmoid: return (.sigmoid, ElementwiseStep(source))
        case .softmax: return (.softmax, ElementwiseStep(source))
        case .add: return (.add, ElementwiseStep(source))
        case .reduce: return (.reduce, PoolStep(source))
        case .maxpool: return (.maxpool, PoolStep(source))
        case .globalAvgpool: return (.globalAvgpool, PoolStep(source))
        case .concat: return (.concat, ConcatStep(source))
        case .input: preconditionFailure("node 0 is the only input")
        }
    }

    /// Fusion: conv2d (stride 1, uncapped) -> [relu] -> [affine] -> reduce(max, h), each
    /// link read only by the next. Every node of a chain maps to its last node.
    static func fusedChains(nodes: [GraphNode], outputNodes: Set<Int>) -> [Int?] {
        var readers = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() { for input in node.inputs { readers[input].append(i) } }
        func onlyReader(_ i: Int) -> Int? {
            readers[i].count == 1 && !outputNodes.contains(i) ? readers[i][0] : nil
        }
        var fusedInto = [Int?](repeating: nil, count: nodes.count)
        for (i, node) in nodes.enumerated() {
            guard case let .conv2d(_, _, _, _, _, sh, sw, reluMax) = node.op, sh == 1, sw == 1, !reluMax.isFinite else { continue }
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
        return fusedInto
    }
}

import CKernels

/// `dense`: `y = W x + b` on the input flattened, then the ReLU (capped or not).
struct DenseStep: StepKernel {
    let input: Shape
    let output: Shape
    let relu: Bool
    let reluMax: Float
    private let weight: [Float]
    private let bias: [Float]

    init(_ source: StepSource) {
        guard case let .dense(_, relu, reluMax) = source.head.op else { preconditionFailure("DenseStep planned for \(source.head.op.name)") }
        (input, output, self.relu, self.reluMax) = (source.input, source.output, relu, reluMax)
        weight = source.tensor(source.head, "weight")
        bias = source.tensor(source.head, "bias")
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { wt in
            bias.withUnsafeBufferPointer { bs in
                gs_dense(value(0), Int32(input.count), wt.baseAddress, bs.baseAddress, Int32(output.c), relu ? 1 : 0, dst)
            }
        }
        if reluMax.isFinite { gs_clamp(dst, output.count, 0, reluMax, dst) }
    }
}

/// `affine`: per channel `x * scale[c] + shift[c]` (an inference-mode batch norm).
struct AffineStep: StepKernel {
    let input: Shape
    private let scale: [Float]
    private let shift: [Float]

    init(_ source: StepSource) {
        input = source.input
        scale = source.tensor(source.head, "scale")
        shift = source.tensor(source.head, "shift")
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        scale.withUnsafeBufferPointer { sc in
            shift.withUnsafeBufferPointer { sh in
                gs_affine(value(0), Int32(input.c), input.h * input.w, sc.baseAddress, sh.baseAddress, dst)
            }
        }
    }
}

/// The ops that read each value once and need no weights: `relu`, `clamp`, `sigmoid`,
/// `softmax`, `add`.
struct ElementwiseStep: StepKernel {
    enum Kind { case relu, clamp(Float, Float), sigmoid, softmax, add }
    let kind: Kind
    let count: Int

    init(_ source: StepSource) {
        count = source.input.count
        switch source.head.op {
        case .relu: kind = .relu
        case let .clamp(low, high): kind = .clamp(low, high)
        case .sigmoid: kind = .sigmoid
        case .softmax: kind = .softmax
        case .add: kind = .add
        default: preconditionFailure("ElementwiseStep planned for \(source.head.op.name)")
        }
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        switch kind {
        case .relu: gs_relu(value(0), count, dst)
        case let .clamp(low, high): gs_clamp(value(0), count, low, high, dst)
        case .sigmoid: gs_sigmoid(value(0), count, dst)
        case .softmax: gs_softmax(value(0), Int32(count), dst)
        case .add: gs_add(value(0), value(1), count, dst)
        }
    }
}

/// `reduce`, `maxpool` and `global_avgpool`: a max or mean over blocks of one map.
struct PoolStep: StepKernel {
    enum Kind { case reduce(axis: Int32, kind: Int32), maxpool(kh: Int32, kw: Int32, sh: Int32, sw: Int32), globalAverage }
    let kind: Kind
    let input: Shape

    init(_ source: StepSource) {
        input = source.input
        switch source.head.op {
        case let .reduce(kind, axis): self.kind = .reduce(axis: axis == .h ? 0 : 1, kind: kind == .max ? 0 : 1)
        case let .maxpool(kh, kw, sh, sw): kind = .maxpool(kh: Int32(kh), kw: Int32(kw), sh: Int32(sh), sw: Int32(sw))
        case .globalAvgpool: kind = .globalAverage
        default: preconditionFailure("PoolStep planned for \(source.head.op.name)")
        }
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let (c, h, w) = (Int32(input.c), Int32(input.h), Int32(input.w))
        switch kind {
        case let .reduce(axis, kind): gs_reduce(value(0), c, h, w, axis, kind, dst)
        case let .maxpool(kh, kw, sh, sw) where sh == kh && sw == kw: gs_maxpool(value(0), c, h, w, kh, kw, dst)
        case let .maxpool(kh, kw, sh, sw): gs_maxpool_strided(value(0), c, h, w, kh, kw, sh, sw, dst)
        case .globalAverage: gs_global_avgpool(value(0), c, h, w, dst)
        }
    }
}

/// `concat` along C: the inputs' values one after the other.
struct ConcatStep: StepKernel {
    let counts: [Int]

    init(_ source: StepSource) {
        counts = source.head.inputs.map { source.nodes[$0].shape.count }
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        var at = dst
        for (k, n) in counts.enumerated() {
            at.update(from: value(k), count: n)
            at += n
        }
    }
}

/// The shape of every value in a model graph: channels, height (mel band), width (time).
public struct Shape: Sendable, Equatable, CustomStringConvertible {
    public var c: Int
    public var h: Int
    public var w: Int
    public var count: Int { c * h * w }
    public var description: String { "[\(c), \(h), \(w)]" }
}

/// One node of the model graph (Weights/FORMAT.md, `nodes`), checked: its
/// inputs are earlier nodes and its output shape is known.
public struct GraphNode: Sendable, Equatable {
    package enum ReduceKind: String, Sendable { case max, mean }
    package enum Axis: String, Sendable { case h, w }

    package enum Op: Sendable, Equatable {
        /// The window itself: always node 0, named `input`.
        case input
        /// `pad` is [top, bottom, left, right]; `reluMax` caps the ReLU (infinity: a plain ReLU).
        case conv2d(outChannels: Int, kh: Int, kw: Int, pad: [Int], relu: Bool, sh: Int, sw: Int, reluMax: Float)
        /// One 3x3 filter per channel (MobileNet), stride 1 or 2 on both axes.
        case depthwiseConv2d(kh: Int, kw: Int, stride: Int, pad: [Int], relu: Bool, reluMax: Float)
        case relu
        case affine
        case reduce(ReduceKind, Axis)
        case maxpool(kh: Int, kw: Int, sh: Int, sw: Int)
        case globalAvgpool
        case concat
        case add
        case dense(outFeatures: Int, relu: Bool, reluMax: Float)
        /// `min(max(x, min), max)`: a quantized network's activation range.
        case clamp(min: Float, max: Float)
        case softmax
        case sigmoid

        /// The op's name in the file.
        public var name: String {
            switch self {
            case .input: return "input"
            case .conv2d: return "conv2d"
            case .depthwiseConv2d: return "depthwise_conv2d"
            case .clamp: return "clamp"
            case .relu: return "relu"
            case .affine: return "affine"
            case .reduce: return "reduce"
            case .maxpool: return "maxpool"
            case .globalAvgpool: return "global_avgpool"
            case .concat: return "concat"
            case .add: return "add"
            case .dense: return "dense"
            case .softmax: return "softmax"
            case .sigmoid: return "sigmoid"
            }
        }
    }

    public var name: String
    package var op: Op
    /// Indices of the nodes it reads, all smaller than its own.
    public var inputs: [Int]
    public var shape: Shape

    /// The tensors this node reads, with the shapes it needs, given its first input's shape.
    func tensorShapes(input: Shape) -> [(name: String, shape: [Int])] {
        switch op {
        case let .conv2d(cout, kh, kw, _, _, _, _, _):
            return [(name + ".weight", [cout, input.c, kh, kw]), (name + ".bias", [cout])]
        case let .depthwiseConv2d(kh, kw, _, _, _, _):
            return [(name + ".weight", [input.c, 1, kh, kw]), (name + ".bias", [input.c])]
        case .affine:
            return [(name + ".scale", [input.c]), (name + ".shift", [input.c])]
        case let .dense(fout, _, _):
            return [(name + ".weight", [fout, input.count]), (name + ".bias", [fout])]
        default:
            return []
        }
    }

    /// Whether the node's `weight` may be stored as int8 with a scale per output channel
    /// (`NODE.weight_scale`, FORMAT.md): a 1x1 conv2d's, 95% of a MobileNet's weights.
    var allowsInt8Weight: Bool {
        guard case let .conv2d(_, kh, kw, _, _, _, _, _) = op else { return false }
        return kh == 1 && kw == 1
    }

    /// The name suffix of an int8 weight's scales: `NODE.weight_scale`.
    static let weightScaleSuffix = ".weight_scale"

    /// Multiply-adds x 2 of one evaluation; 0 for ops without products.
    public func flops(input: Shape) -> Int {
        switch op {
        case let .conv2d(_, kh, kw, _, _, _, _, _): return 2 * input.c * kh * kw * shape.count
        case let .depthwiseConv2d(kh, kw, _, _, _, _): return 2 * kh * kw * shape.count
        case .dense: return 2 * input.count * shape.count
        default: return 0
        }
    }
}

/// A named result of the graph (Weights/FORMAT.md, `outputs`).
public struct ModelOutput: Sendable, Equatable {
    public var name: String
    /// Index of the node whose value it is.
    public var node: Int
    /// One name per value, or nil for an unlabelled vector (an embedding).
    public var labels: [String]?

    /// The engine's output names (Weights/FORMAT.md).
    public static let genre = "genre", tags = "tags", embedding = "embedding"
}

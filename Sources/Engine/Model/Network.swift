import CKernels

/// Runs the model's CNN on one window with the CKernels routines.
///
/// All scratch memory is sized here, at load, for a window of
/// `frames_per_window` frames; `probabilities(for:)` allocates nothing.
public final class Network {
    public let model: ModelFile
    public var labelCount: Int { model.labels.count }
    /// Elements of one input window: n_mels x frames_per_window.
    public let inputCount: Int

    private enum Step {
        case conv(weight: [Float], bias: [Float], cin: Int, cout: Int, relu: Bool)
        case maxpool(kh: Int, kw: Int)
        case globalAvgpool
        case dense(weight: [Float], bias: [Float], fin: Int, fout: Int, relu: Bool)
        case softmax
    }

    private let steps: [Step]
    private var ping: [Float]
    private var pong: [Float]
    /// Matrix panels for the SIMD convolutions, sized for the largest layer.
    private var convScratch: [Float]

    public init(model: ModelFile) {
        self.model = model
        let f = model.frontend
        inputCount = f.nMels * f.framesPerWindow
        var largest = inputCount
        var scratch = 0
        var c = 1, h = f.nMels, w = f.framesPerWindow
        steps = model.layers.map { layer in
            switch layer {
            case let .conv3x3(name, cin, cout, relu):
                c = cout
                largest = max(largest, c * h * w)
                scratch = max(scratch, gs_conv3x3_scratch_floats(Int32(cin), Int32(h), Int32(w)))
                return .conv(weight: model.tensors[name + ".weight"]!, bias: model.tensors[name + ".bias"]!,
                             cin: cin, cout: cout, relu: relu)
            case let .maxpool(kh, kw):
                h /= kh
                w /= kw
                return .maxpool(kh: kh, kw: kw)
            case .globalAvgpool:
                return .globalAvgpool
            case let .dense(name, fin, fout, relu):
                largest = max(largest, fout)
                return .dense(weight: model.tensors[name + ".weight"]!, bias: model.tensors[name + ".bias"]!,
                              fin: fin, fout: fout, relu: relu)
            case .softmax:
                return .softmax
            }
        }
        ping = [Float](repeating: 0, count: largest)
        pong = [Float](repeating: 0, count: largest)
        convScratch = [Float](repeating: 0, count: scratch)
    }

    /// Multiply-adds x 2 for one window: the figure the model card reports.
    public var flopsPerWindow: Int {
        var c = 1, h = model.frontend.nMels, w = model.frontend.framesPerWindow, total = 0
        for step in steps {
            switch step {
            case let .conv(_, _, cin, cout, _): total += 2 * 9 * cin * cout * h * w; c = cout
            case let .maxpool(kh, kw): h /= kh; w /= kw
            case let .dense(_, _, fin, fout, _): total += 2 * fin * fout
            case .globalAvgpool, .softmax: break
            }
        }
        _ = c
        return total
    }

    /// Runs the network on a standardised window `[n_mels][frames_per_window]`
    /// and writes `labelCount` probabilities into `output`.
    public func probabilities(for input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == inputCount && output.count == labelCount)
        var c = 1, h = model.frontend.nMels, w = model.frontend.framesPerWindow
        ping.withUnsafeMutableBufferPointer { a in
            a.baseAddress!.update(from: input.baseAddress!, count: inputCount)
        }
        var current = 0  // which scratch buffer holds the current activations
        convScratch.withUnsafeMutableBufferPointer { scratch in
        ping.withUnsafeMutableBufferPointer { a in
            pong.withUnsafeMutableBufferPointer { b in
                let first = a.baseAddress!, second = b.baseAddress!
                for step in steps {
                    let src = current == 0 ? first : second
                    let dst = current == 0 ? second : first
                    switch step {
                    case let .conv(weight, bias, cin, cout, relu):
                        weight.withUnsafeBufferPointer { wt in
                            bias.withUnsafeBufferPointer { bs in
                                gs_conv3x3(src, Int32(cin), Int32(h), Int32(w), wt.baseAddress, bs.baseAddress,
                                           Int32(cout), relu ? 1 : 0, dst, scratch.baseAddress)
                            }
                        }
                        c = cout
                    case let .maxpool(kh, kw):
                        gs_maxpool(src, Int32(c), Int32(h), Int32(w), Int32(kh), Int32(kw), dst)
                        h /= kh
                        w /= kw
                    case .globalAvgpool:
                        gs_global_avgpool(src, Int32(c), Int32(h), Int32(w), dst)
                        h = 1
                        w = 1
                    case let .dense(weight, bias, fin, fout, relu):
                        weight.withUnsafeBufferPointer { wt in
                            bias.withUnsafeBufferPointer { bs in
                                gs_dense(src, Int32(fin), wt.baseAddress, bs.baseAddress, Int32(fout), relu ? 1 : 0, dst)
                            }
                        }
                        c = fout
                    case .softmax:
                        gs_softmax(src, Int32(c), dst)
                    }
                    current = 1 - current
                }
                output.baseAddress!.update(from: current == 0 ? first : second, count: labelCount)
            }
        }
        }
    }
}

import CKernels

/// `conv2d` (Weights/FORMAT.md), as the direct or Winograd kernels compute it on an
/// input padded into scratch; optionally with a ReLU (capped or not), an affine and a
/// max over H fused in (musicnn's front end: the map is never stored). A strided
/// convolution is computed at stride 1 and subsampled: its only strided use (YAMNet's
/// first layer, 1 channel in) is under 1% of that network's work.
struct ConvolutionStep: StepKernel {
    let input: Shape
    let output: Shape
    let kernel: (h: Int, w: Int)
    let pad: [Int]
    let stride: (h: Int, w: Int)
    let relu: Bool
    let reluMax: Float
    /// Winograd F(2,7) along time (kernels 7 wide, where a SIMD version runs: 1.75x fewer multiplies).
    let winograd: Bool
    let maxOverH: Bool
    private let weight: [Float]
    private let bias: [Float]
    private let offsets: [Int32]
    private let scale: [Float]
    private let shift: [Float]
    let scratchFloats: Int

    init(_ source: StepSource) {
        guard case let .conv2d(cout, kh, kw, pad, convRelu, sh, sw, reluMax) = source.head.op else {
            preconditionFailure("ConvolutionStep planned for \(source.head.op.name)")
        }
        let x = source.input
        input = x
        output = source.output
        kernel = (kh, kw)
        self.pad = pad
        stride = (sh, sw)
        self.reluMax = reluMax
        maxOverH = source.chain.count > 1
        var relu = convRelu, scale: [Float] = [], shift: [Float] = []
        for n in source.chain.dropFirst() {
            let node = source.nodes[n]
            if node.op == .relu { relu = true }
            if node.op == .affine { (scale, shift) = (source.tensor(node, "scale"), source.tensor(node, "shift")) }
        }
        (self.relu, self.scale, self.shift) = (relu, scale, shift)
        bias = source.tensor(source.head, "bias")
        let plain = source.tensor(source.head, "weight")
        let hp = x.h + pad[0] + pad[1], wp = x.w + pad[2] + pad[3]
        let full = cout * (hp - kh + 1) * (wp - kw + 1)
        var need = gs_pad2d_floats(Int32(x.c), Int32(x.h), Int32(x.w), Int32(pad[0]), Int32(pad[1]), Int32(pad[2]), Int32(pad[3]))
        if maxOverH { need += 2 * cout * (wp - kw + 1) }
        if sh > 1 || sw > 1 { need += full }
        winograd = kw == 7 && gs_wino27_available() != 0
        if winograd {
            let packedCount = gs_wino27_packed_floats(Int32(x.c), Int32(kh), Int32(cout))
            weight = [Float](unsafeUninitializedCapacity: packedCount) { packed, count in
                gs_wino27_pack(plain, Int32(x.c), Int32(kh), Int32(cout), packed.baseAddress)
                count = packedCount
            }
            offsets = []
            need += gs_wino27_scratch_floats(Int32(x.c), Int32(hp), Int32(wp))
        } else {
            let packedCount = gs_conv_packed_floats(Int32(x.c), Int32(kh), Int32(kw), Int32(cout))
            weight = [Float](unsafeUninitializedCapacity: packedCount) { packed, count in
                gs_conv_pack(plain, Int32(x.c), Int32(kh), Int32(kw), Int32(cout), packed.baseAddress)
                count = packedCount
            }
            offsets = [Int32](unsafeUninitializedCapacity: x.c * kh * kw) { offsets, count in
                gs_conv_offsets(Int32(x.c), Int32(kh), Int32(kw), Int32(hp), Int32(wp), offsets.baseAddress)
                count = x.c * kh * kw
            }
        }
        scratchFloats = need
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let x = input, p = pad, cout = Int32(output.c)
        let (c, h, w) = (Int32(x.c), Int32(x.h), Int32(x.w))
        let hp = Int32(x.h + p[0] + p[1]), wp = Int32(x.w + p[2] + p[3])
        let (kh, kw) = (Int32(kernel.h), Int32(kernel.w))
        let padded = scratch
        gs_pad2d(value(0), c, h, w, Int32(p[0]), Int32(p[1]), Int32(p[2]), Int32(p[3]), padded)
        let paddedCount = gs_pad2d_floats(c, h, w, Int32(p[0]), Int32(p[1]), Int32(p[2]), Int32(p[3]))
        // Scratch: the padded input, then the running max and min (fused) or the
        // stride-1 map (strided), then Winograd's transformed input.
        let strided = stride.h > 1 || stride.w > 1
        let full = Int(cout) * Int(hp - kh + 1) * Int(wp - kw + 1)
        let mx = padded + paddedCount, mn = mx + output.count
        let map = strided ? mx : dst
        let transformed = maxOverH ? mn + output.count : strided ? mx + full : mx
        weight.withUnsafeBufferPointer { wt in
            bias.withUnsafeBufferPointer { bs in
                offsets.withUnsafeBufferPointer { off in
                    switch (maxOverH, winograd) {
                    case (false, true):
                        gs_conv2d_wino27(padded, c, hp, wp, kh, wt.baseAddress, bs.baseAddress, cout, relu ? 1 : 0, map, transformed)
                    case (false, false):
                        gs_conv2d(padded, c, hp, wp, kh, kw, off.baseAddress, wt.baseAddress, bs.baseAddress, cout, relu ? 1 : 0, map)
                    case (true, true):
                        gs_conv2d_maxmin_h_wino27(padded, c, hp, wp, kh, wt.baseAddress, bs.baseAddress, cout, mx, mn, transformed)
                    case (true, false):
                        gs_conv2d_maxmin_h(padded, c, hp, wp, kh, kw, off.baseAddress, wt.baseAddress, bs.baseAddress, cout, mx, mn)
                    }
                }
            }
        }
        if maxOverH {
            guard !scale.isEmpty else {
                // No affine in the chain: the kernel takes NULL (an empty array's pointer need not be).
                return gs_select_affine(mx, mn, cout, Int32(output.w), relu ? 1 : 0, nil, nil, dst)
            }
            scale.withUnsafeBufferPointer { sc in
                shift.withUnsafeBufferPointer { sh in
                    gs_select_affine(mx, mn, cout, Int32(output.w), relu ? 1 : 0, sc.baseAddress, sh.baseAddress, dst)
                }
            }
            return
        }
        if strided {
            gs_subsample2d(map, cout, hp - kh + 1, wp - kw + 1, Int32(stride.h), Int32(stride.w), dst)
        }
        if reluMax.isFinite { gs_clamp(dst, output.count, 0, reluMax, dst) }
    }
}

/// `conv2d` with a 3x3 kernel, padding 1 and stride 1 (the small CNN's layers): the tuned
/// 3x3 kernels, with weights packed their own way.
struct Convolution3x3Step: StepKernel {
    let input: Shape
    let output: Shape
    let relu: Bool
    let reluMax: Float
    private let weight: [Float]
    private let bias: [Float]
    let scratchFloats: Int

    static func fits(_ op: GraphNode.Op) -> Bool {
        guard case let .conv2d(_, kh, kw, pad, _, sh, sw, _) = op else { return false }
        return kh == 3 && kw == 3 && pad == [1, 1, 1, 1] && sh == 1 && sw == 1
    }

    init(_ source: StepSource) {
        guard case let .conv2d(cout, _, _, _, relu, _, _, reluMax) = source.head.op else {
            preconditionFailure("Convolution3x3Step planned for \(source.head.op.name)")
        }
        let x = source.input
        (input, output, self.relu, self.reluMax) = (x, source.output, relu, reluMax)
        let plain = source.tensor(source.head, "weight")
        weight = [Float](unsafeUninitializedCapacity: plain.count) { packed, count in
            gs_conv3x3_pack(plain, Int32(x.c), Int32(cout), packed.baseAddress)
            count = plain.count
        }
        bias = source.tensor(source.head, "bias")
        scratchFloats = gs_conv3x3_scratch_floats(Int32(x.c), Int32(x.h), Int32(x.w))
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { wt in
            bias.withUnsafeBufferPointer { bs in
                gs_conv3x3(value(0), Int32(input.c), Int32(input.h), Int32(input.w), wt.baseAddress, bs.baseAddress,
                           Int32(output.c), relu ? 1 : 0, dst, scratch)
            }
        }
        if reluMax.isFinite { gs_clamp(dst, output.count, 0, reluMax, dst) }
    }
}

/// `conv2d` with a 1x1 kernel, no padding, stride 1 (MobileNet's pointwise layers, 95%
/// of YAMNet's work): a matrix product over channels, with the ReLU and its cap fused.
/// An int8 weight stays int8 (a quarter of the memory and of the bytes each window
/// streams), scaled per output channel by the kernel.
struct PointwiseStep: StepKernel {
    let input: Shape
    let output: Shape
    let relu: Bool
    let reluMax: Float
    private enum Weight {
        case float([Float])
        case int8([Int8], scale: [Float])
    }
    private let weight: Weight
    private let bias: [Float]

    static func fits(_ op: GraphNode.Op) -> Bool {
        guard case let .conv2d(_, kh, kw, pad, _, sh, sw, _) = op else { return false }
        return kh == 1 && kw == 1 && pad == [0, 0, 0, 0] && sh == 1 && sw == 1
    }

    init(_ source: StepSource) {
        guard case let .conv2d(cout, _, _, _, relu, _, _, reluMax) = source.head.op else {
            preconditionFailure("PointwiseStep planned for \(source.head.op.name)")
        }
        let x = source.input
        (input, output, self.relu, self.reluMax) = (x, source.output, relu, reluMax)
        if let (q, scale) = source.quantizedWeight(source.head) {
            let packedCount = Int(gs_pointwise_q8_packed_bytes(Int32(x.c), Int32(cout)))
            let packed = [Int8](unsafeUninitializedCapacity: packedCount) { packed, count in
                gs_pointwise_q8_pack(q, Int32(x.c), Int32(cout), packed.baseAddress)
                count = packedCount
            }
            weight = .int8(packed, scale: scale)
        } else {
            let plain = source.tensor(source.head, "weight")
            let packedCount = Int(gs_pointwise_packed_floats(Int32(x.c), Int32(cout)))
            weight = .float([Float](unsafeUninitializedCapacity: packedCount) { packed, count in
                gs_pointwise_pack(plain, Int32(x.c), Int32(cout), packed.baseAddress)
                count = packedCount
            })
        }
        bias = source.tensor(source.head, "bias")
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let (cin, hw, cout) = (Int32(input.c), Int32(input.h * input.w), Int32(output.c))
        bias.withUnsafeBufferPointer { bs in
            switch weight {
            case .float(let packed):
                packed.withUnsafeBufferPointer { wt in
                    gs_pointwise(value(0), cin, hw, wt.baseAddress, bs.baseAddress, cout, relu ? 1 : 0, reluMax, dst)
                }
            case .int8(let packed, let scale):
                packed.withUnsafeBufferPointer { wt in
                    scale.withUnsafeBufferPointer { sc in
                        gs_pointwise_q8(value(0), cin, hw, wt.baseAddress, sc.baseAddress, bs.baseAddress, cout, relu ? 1 : 0, reluMax, dst)
                    }
                }
            }
        }
    }
}

/// `depthwise_conv2d`: one 3x3 filter per channel, stride 1 or 2, the padding read in place.
struct DepthwiseStep: StepKernel {
    let input: Shape
    let output: Shape
    let stride: Int
    let pad: [Int]
    let relu: Bool
    let reluMax: Float
    private let weight: [Float]
    private let bias: [Float]

    init(_ source: StepSource) {
        guard case let .depthwiseConv2d(_, _, stride, pad, relu, reluMax) = source.head.op else {
            preconditionFailure("DepthwiseStep planned for \(source.head.op.name)")
        }
        (input, output, self.stride, self.pad, self.relu, self.reluMax) = (source.input, source.output, stride, pad, relu, reluMax)
        weight = source.tensor(source.head, "weight")
        bias = source.tensor(source.head, "bias")
    }

    func run(input value: (Int) -> UnsafePointer<Float>, output dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { wt in
            bias.withUnsafeBufferPointer { bs in
                gs_depthwise3x3(value(0), Int32(input.c), Int32(input.h), Int32(input.w), Int32(stride), Int32(pad[0]), Int32(pad[2]),
                                wt.baseAddress, bs.baseAddress, relu ? 1 : 0, reluMax, dst, Int32(output.h), Int32(output.w))
            }
        }
    }
}

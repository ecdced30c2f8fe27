import CKernels
@testable import Engine
@testable import Report
import XCTest

/// Every SIMD kernel against its scalar reference, within 1e-5 relative, on
/// random shapes including sizes that are not multiples of the vector width.
final class SIMDKernelTests: XCTestCase {
    /// The SIMD versions this machine can run, by name.
    private struct Variant {
        var name: String
        typealias Convolution = (UnsafePointer<Float>, Int32, Int32, Int32, UnsafePointer<Float>, UnsafePointer<Float>, Int32, Int32, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?) -> Void
        var conv: Convolution
        typealias MaxPool = (UnsafePointer<Float>, Int32, Int32, Int32, Int32, Int32, UnsafeMutablePointer<Float>) -> Void
        var maxpool: MaxPool
        var avgpool: (UnsafePointer<Float>, Int32, Int32, Int32, UnsafeMutablePointer<Float>) -> Void
        var dense: (UnsafePointer<Float>, Int32, UnsafePointer<Float>, UnsafePointer<Float>, Int32, Int32, UnsafeMutablePointer<Float>) -> Void
        var softmax: (UnsafePointer<Float>, Int32, UnsafeMutablePointer<Float>) -> Void
        var power: (UnsafePointer<Float>, Int32, UnsafeMutablePointer<Float>) -> Void
        var mel: (UnsafePointer<Float>, UnsafePointer<Int32>, UnsafePointer<Int32>, UnsafePointer<Float>, Int32, UnsafeMutablePointer<Float>) -> Void
    }

    private var variants: [Variant] {
        var list: [Variant] = []
        #if arch(x86_64)
        if gs_active_isa() == GS_ISA_AVX2 {
            list.append(Variant(name: "avx2", conv: { gs_conv3x3_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) },
                                maxpool: { gs_maxpool_avx2($0, $1, $2, $3, $4, $5, $6) },
                                avgpool: { gs_global_avgpool_avx2($0, $1, $2, $3, $4) },
                                dense: { gs_dense_avx2($0, $1, $2, $3, $4, $5, $6) },
                                softmax: { gs_softmax_avx2($0, $1, $2) },
                                power: { gs_power_spectrum_avx2($0, $1, $2) },
                                mel: { gs_mel_apply_avx2($0, $1, $2, $3, $4, $5) }))
        }
        #elseif arch(arm64)
        list.append(Variant(name: "neon", conv: { gs_conv3x3_neon($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) },
                            maxpool: { gs_maxpool_neon($0, $1, $2, $3, $4, $5, $6) },
                            avgpool: { gs_global_avgpool_neon($0, $1, $2, $3, $4) },
                            dense: { gs_dense_neon($0, $1, $2, $3, $4, $5, $6) },
                            softmax: { gs_softmax_neon($0, $1, $2) },
                            power: { gs_power_spectrum_neon($0, $1, $2) },
                            mel: { gs_mel_apply_neon($0, $1, $2, $3, $4, $5) }))
        #endif
        return list
    }

    /// The convolutions: each variant's, plus AVX-512 where the CPU has it, which
    /// takes its weights packed (and so also checks gs_conv3x3_pack_avx512).
    private var convolutionVariants: [(name: String, conv: Variant.Convolution)] {
        var list = variants.map { (name: $0.name, conv: $0.conv) }
        #if arch(x86_64)
        if gs_uses_avx512() != 0 {
            list.append((name: "avx512", conv: { x, cin, h, w, weight, bias, cout, relu, out, scratch in
                var packed = [Float](repeating: .nan, count: Int(cout) * Int(cin) * 9)
                gs_conv3x3_pack_avx512(weight, cin, cout, &packed)
                gs_conv3x3_avx512(x, cin, h, w, packed, bias, cout, relu, out, scratch)
            }))
        }
        #endif
        return list
    }

    /// The max-pools: each variant's, plus AVX-512 where the CPU has it.
    private var maxpoolVariants: [(name: String, maxpool: Variant.MaxPool)] {
        var list = variants.map { (name: $0.name, maxpool: $0.maxpool) }
        #if arch(x86_64)
        if gs_uses_avx512() != 0 {
            list.append((name: "avx512", maxpool: { gs_maxpool_avx512($0, $1, $2, $3, $4, $5, $6) }))
        }
        #endif
        return list
    }

    override func setUpWithError() throws {
        // The testScalar... tests check scalar kernels against plain Swift and run everywhere.
        if variants.isEmpty && !name.contains("testScalar") {
            throw XCTSkip("this CPU runs only the scalar kernels (no AVX2+FMA or NEON)")
        }
    }

    /// Relative to the largest magnitude in the reference: sums of mixed signs
    /// have no meaningful element-wise relative error near zero.
    private func assertMatches(_ got: [Float], _ want: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let scale = max(want.map(abs).max() ?? 0, 1e-30)
        assertClose(got, want, relative: 1e-5, absolute: 1e-5 * scale, what, file: file, line: line)
    }

    func testConvolutionOnRandomShapes() {
        var rng = SeededRandom(seed: 11)
        var shapes = [(1, 16, 128, 39), (16, 32, 64, 19), (64, 128, 16, 4), (128, 256, 8, 2), (3, 7, 5, 3), (1, 1, 1, 1),
                      (5, 31, 7, 6), (2, 45, 3, 17), (4, 9, 1, 7), (3, 5, 6, 1)]
        for _ in 0..<12 {
            shapes.append((Int.random(in: 1...20, using: &rng), Int.random(in: 1...23, using: &rng),
                           Int.random(in: 1...33, using: &rng), Int.random(in: 1...41, using: &rng)))
        }
        for v in convolutionVariants {
            for (cin, cout, h, w) in shapes {
                for relu in [0, 1] {
                    let x = rng.floats(cin * h * w), weight = rng.floats(cout * cin * 9), bias = rng.floats(cout)
                    var want = [Float](repeating: .nan, count: cout * h * w)
                    var got = [Float](repeating: .nan, count: cout * h * w)
                    var scratch = [Float](repeating: .nan, count: gs_conv3x3_scratch_floats(Int32(cin), Int32(h), Int32(w)))
                    gs_conv3x3_scalar(x, Int32(cin), Int32(h), Int32(w), weight, bias, Int32(cout), Int32(relu), &want, nil)
                    v.conv(x, Int32(cin), Int32(h), Int32(w), weight, bias, Int32(cout), Int32(relu), &got, &scratch)
                    assertMatches(got, want, "\(v.name) conv \(cin)->\(cout) \(h)x\(w) relu \(relu)")
                }
            }
        }
    }

    func testPoolingOnRandomShapes() {
        var rng = SeededRandom(seed: 12)
        let shapes = [(3, 128, 39, 2, 2), (5, 9, 37, 2, 2), (2, 7, 17, 1, 2), (4, 8, 21, 2, 1), (3, 10, 9, 3, 3), (1, 2, 2, 2, 2),
                      (2, 5, 65, 2, 2), (3, 4, 33, 2, 2), (2, 6, 3, 2, 2), (1, 3, 1, 2, 2)]
        for v in maxpoolVariants {
            for (c, h, w, kh, kw) in shapes {
                let x = rng.floats(c * h * w)
                var want = [Float](repeating: .nan, count: c * (h / kh) * (w / kw))
                var got = want
                gs_maxpool_scalar(x, Int32(c), Int32(h), Int32(w), Int32(kh), Int32(kw), &want)
                v.maxpool(x, Int32(c), Int32(h), Int32(w), Int32(kh), Int32(kw), &got)
                XCTAssertEqual(got, want, "\(v.name) maxpool \(c)x\(h)x\(w) by \(kh)x\(kw): max is exact")
            }
        }
        for v in variants {
            for (c, h, w, _, _) in shapes {
                let x = rng.floats(c * h * w)
                var want = [Float](repeating: .nan, count: c), got = want
                gs_global_avgpool_scalar(x, Int32(c), Int32(h), Int32(w), &want)
                v.avgpool(x, Int32(c), Int32(h), Int32(w), &got)
                assertMatches(got, want, "\(v.name) avgpool \(c)x\(h)x\(w)")
            }
        }
    }

    func testDenseAndSoftmaxOnRandomShapes() {
        var rng = SeededRandom(seed: 13)
        for v in variants {
            for (nIn, nOut) in [(256, 10), (7, 3), (33, 9), (1, 1), (64, 5)] {
                let x = rng.floats(nIn), weight = rng.floats(nIn * nOut), bias = rng.floats(nOut)
                for relu in [0, 1] {
                    var want = [Float](repeating: .nan, count: nOut), got = want
                    gs_dense_scalar(x, Int32(nIn), weight, bias, Int32(nOut), Int32(relu), &want)
                    v.dense(x, Int32(nIn), weight, bias, Int32(nOut), Int32(relu), &got)
                    assertMatches(got, want, "\(v.name) dense \(nIn)->\(nOut)")
                }
            }
            for n in [10, 1, 8, 17, 3] {
                let logits = rng.floats(n, in: -30...30)
                var want = [Float](repeating: .nan, count: n), got = want
                gs_softmax_scalar(logits, Int32(n), &want)
                v.softmax(logits, Int32(n), &got)
                for i in 0..<n { XCTAssertEqual(got[i], want[i], accuracy: max(1e-5 * want[i], 1e-12), "\(v.name) softmax n=\(n)") }
            }
        }
    }

    // MARK: direct convolution, any kernel

    typealias Conv2D = (UnsafePointer<Float>, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Int32>, UnsafePointer<Float>,
                        UnsafePointer<Float>, Int32, Int32, UnsafeMutablePointer<Float>) -> Void
    typealias Conv2DMaxMin = (UnsafePointer<Float>, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Int32>, UnsafePointer<Float>,
                              UnsafePointer<Float>, Int32, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void

    /// Every SIMD direct convolution this CPU runs (AVX-512 only where it has it).
    private var conv2dVariants: [(name: String, conv: Conv2D, maxmin: Conv2DMaxMin)] {
        var list: [(name: String, conv: Conv2D, maxmin: Conv2DMaxMin)] = []
        #if arch(x86_64)
        if gs_active_isa() == GS_ISA_AVX2 {
            list.append((name: "avx2", conv: { gs_conv2d_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) },
                         maxmin: { gs_conv2d_maxmin_h_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }))
        }
        if gs_uses_avx512() != 0 {
            list.append((name: "avx512", conv: { gs_conv2d_avx512($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) },
                         maxmin: { gs_conv2d_maxmin_h_avx512($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }))
        }
        #elseif arch(arm64)
        list.append((name: "neon", conv: { gs_conv2d_neon($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) },
                     maxmin: { gs_conv2d_maxmin_h_neon($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }))
        #endif
        return list
    }

    /// One convolution: the unpadded input and weights, and what the kernels take
    /// (padded input, packed weights, tap offsets), built by the C helpers.
    private struct Conv2DCase: CustomStringConvertible {
        var cin, h, w, top, bottom, left, right, kh, kw, cout: Int
        var x: [Float], weight: [Float], bias: [Float]
        var padded: [Float] = [], packed: [Float] = [], offsets: [Int32] = []
        var hp: Int { h + top + bottom }
        var wp: Int { w + left + right }
        var hOut: Int { hp - kh + 1 }
        var wOut: Int { wp - kw + 1 }
        var description: String {
            "\(cin)->\(cout) \(h)x\(w) pad \(top)/\(bottom)/\(left)/\(right) kernel \(kh)x\(kw)"
        }

        init(_ shape: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int), rng: inout SeededRandom) {
            (cin, h, w, top, bottom, left, right, kh, kw, cout) = shape
            x = rng.floats(cin * h * w)
            weight = rng.floats(cout * cin * kh * kw)
            bias = rng.floats(cout)
            let (c, hh, ww, t, b, l, r) = (Int32(cin), Int32(h), Int32(w), Int32(top), Int32(bottom), Int32(left), Int32(right))
            // NaN-filled first, so that any float the helpers leave unwritten shows.
            padded = [Float](repeating: .nan, count: gs_pad2d_floats(c, hh, ww, t, b, l, r))
            gs_pad2d(x, c, hh, ww, t, b, l, r, &padded)
            packed = [Float](repeating: .nan, count: gs_conv_packed_floats(c, Int32(kh), Int32(kw), Int32(cout)))
            gs_conv_pack(weight, c, Int32(kh), Int32(kw), Int32(cout), &packed)
            offsets = [Int32](repeating: -1, count: cin * kh * kw)
            gs_conv_offsets(c, Int32(kh), Int32(kw), Int32(hp), Int32(wp), &offsets)
        }

        /// The convolution by its definition on the unpadded input, in Double, and
        /// per output the sum of |w x| + |bias| (the scale of its rounding error).
        func naive() -> (value: [Double], magnitude: [Double]) {
            var value = [Double](repeating: 0, count: cout * hOut * wOut), magnitude = value
            for o in 0..<cout {
                for y in 0..<hOut {
                    for ox in 0..<wOut {
                        var sum = Double(bias[o]), mag = Double(abs(bias[o]))
                        for i in 0..<cin {
                            for dy in 0..<kh {
                                let iy = y + dy - top
                                if iy < 0 || iy >= h { continue }
                                for dx in 0..<kw {
                                    let ix = ox + dx - left
                                    if ix < 0 || ix >= w { continue }
                                    let p = Double(weight[((o * cin + i) * kh + dy) * kw + dx]) * Double(x[(i * h + iy) * w + ix])
                                    sum += p
                                    mag += abs(p)
                                }
                            }
                        }
                        value[(o * hOut + y) * wOut + ox] = sum
                        magnitude[(o * hOut + y) * wOut + ox] = mag
                    }
                }
            }
            return (value, magnitude)
        }

        /// Per output column, the largest magnitude of any row: the tolerance scale of the row max and min.
        func rowMagnitude(_ magnitude: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: cout * wOut)
            for o in 0..<cout {
                for y in 0..<hOut {
                    for ox in 0..<wOut { out[o * wOut + ox] = max(out[o * wOut + ox], magnitude[(o * hOut + y) * wOut + ox]) }
                }
            }
            return out
        }

        func conv(_ f: Conv2D, relu: Int) -> [Float] {
            // One guard float past the map: a tail store past the last column would land there.
            var out = [Float](repeating: .nan, count: cout * hOut * wOut + 1)
            out.withUnsafeMutableBufferPointer { o in
                f(padded, Int32(cin), Int32(hp), Int32(wp), Int32(kh), Int32(kw), offsets, packed, bias, Int32(cout), Int32(relu),
                  o.baseAddress!)
            }
            return out
        }

        func maxmin(_ f: Conv2DMaxMin) -> (max: [Float], min: [Float]) {
            var mx = [Float](repeating: .nan, count: cout * wOut + 1), mn = mx
            mx.withUnsafeMutableBufferPointer { a in
                mn.withUnsafeMutableBufferPointer { b in
                    f(padded, Int32(cin), Int32(hp), Int32(wp), Int32(kh), Int32(kw), offsets, packed, bias, Int32(cout),
                      a.baseAddress!, b.baseAddress!)
                }
            }
            return (mx, mn)
        }
    }

    /// |got - want| <= 1e-5 (1 + magnitude) element by element, and the guard
    /// float after the n outputs still NaN.
    private func assertConvMatches(_ got: [Float], _ want: [Double], _ magnitude: [Double], _ what: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        let n = want.count
        XCTAssertEqual(got.count, n + 1, what, file: file, line: line)
        for i in 0..<n where !(abs(Double(got[i]) - want[i]) <= 1e-5 * (1 + magnitude[i])) {
            XCTFail("\(what) differs at \(i): \(got[i]) vs \(want[i])", file: file, line: line)
            return
        }
        XCTAssertTrue(got[n].isNaN, "\(what): stored past the output", file: file, line: line)
    }

    private func conv2dShapes(_ rng: inout SeededRandom) -> [(Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)] {
        // (c_in, h, w, top, bottom, left, right, kh, kw, c_out): musicnn's front end
        // (fewer channels), then tails: w_out 1, h_out 1, w_out past multiples of
        // 4, 16 and 64, c_out 1, 5, 7, 13.
        var shapes = [(1, 96, 187, 0, 0, 3, 3, 38, 7, 7), (1, 24, 60, 0, 0, 63, 64, 1, 128, 5), (5, 1, 187, 0, 0, 3, 3, 1, 7, 13),
                      (1, 5, 1, 0, 0, 0, 0, 5, 1, 1), (2, 3, 9, 1, 1, 0, 0, 5, 9, 6), (3, 12, 65, 2, 1, 4, 4, 7, 9, 12),
                      (5, 40, 20, 0, 0, 1, 0, 40, 3, 5), (1, 7, 63, 0, 0, 0, 1, 3, 1, 7), (4, 2, 15, 1, 2, 2, 1, 4, 2, 1),
                      (2, 9, 129, 0, 0, 3, 4, 2, 8, 13), (1, 1, 16, 0, 0, 0, 0, 1, 1, 6), (3, 4, 17, 0, 0, 0, 0, 4, 2, 19)]
        for _ in 0..<16 {
            let cin = Int.random(in: 1...5, using: &rng), kh = Int.random(in: 1...40, using: &rng), kw = Int.random(in: 1...9, using: &rng)
            let top = Int.random(in: 0...2, using: &rng), bottom = Int.random(in: 0...2, using: &rng)
            let left = Int.random(in: 0...4, using: &rng), right = Int.random(in: 0...4, using: &rng)
            let h = max(1, kh - top - bottom + Int.random(in: 0...5, using: &rng))
            let w = max(1, kw - left - right + Int.random(in: 0...140, using: &rng))
            shapes.append((cin, h, w, top, bottom, left, right, kh, kw, [1, 5, 7, 13, 6, 20][Int.random(in: 0...5, using: &rng)]))
        }
        return shapes
    }

    /// gs_pad2d + gs_conv_pack + gs_conv_offsets + gs_conv2d_scalar against the
    /// convolution's definition on the unpadded input, and the row max and min.
    func testScalarConv2dAgainstNaiveLoops() {
        var rng = SeededRandom(seed: 21)
        for shape in conv2dShapes(&rng) where shape.0 * shape.1 * shape.2 * shape.7 * shape.8 * shape.9 < 4_000_000 {
            let c = Conv2DCase(shape, rng: &rng)
            let (want, magnitude) = c.naive()
            for relu in [0, 1] {
                let got = c.conv({ gs_conv2d_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }, relu: relu)
                assertConvMatches(got, relu == 1 ? want.map { max($0, 0) } : want, magnitude, "scalar conv2d \(c) relu \(relu)")
            }
            var wantMax = [Double](repeating: -.infinity, count: c.cout * c.wOut), wantMin = [Double](repeating: .infinity, count: c.cout * c.wOut)
            for o in 0..<c.cout {
                for y in 0..<c.hOut {
                    for x in 0..<c.wOut {
                        wantMax[o * c.wOut + x] = max(wantMax[o * c.wOut + x], want[(o * c.hOut + y) * c.wOut + x])
                        wantMin[o * c.wOut + x] = min(wantMin[o * c.wOut + x], want[(o * c.hOut + y) * c.wOut + x])
                    }
                }
            }
            let (mx, mn) = c.maxmin({ gs_conv2d_maxmin_h_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) })
            let rowMagnitude = c.rowMagnitude(magnitude)
            assertConvMatches(mx, wantMax, rowMagnitude, "scalar conv2d max over rows \(c)")
            assertConvMatches(mn, wantMin, rowMagnitude, "scalar conv2d min over rows \(c)")
        }
    }

    func testScalarConvPackingLayout() {
        var rng = SeededRandom(seed: 22)
        let c = Conv2DCase((2, 4, 5, 1, 0, 2, 1, 3, 2, 7), rng: &rng)
        let taps = 2 * 3 * 2
        XCTAssertEqual(c.packed.count, 12 * taps, "two blocks of 6 channels")
        for b in 0..<2 {
            for k in 0..<taps {
                for j in 0..<6 {
                    let o = 6 * b + j
                    XCTAssertEqual(c.packed[(b * taps + k) * 6 + j], o < 7 ? c.weight[o * taps + k] : 0, "packed[\(b)][\(k)][\(j)]")
                }
            }
        }
        XCTAssertEqual(c.offsets[0], 0)
        XCTAssertEqual(c.offsets[1], 1, "dx 1")
        XCTAssertEqual(c.offsets[2], Int32(c.wp), "dy 1")
        XCTAssertEqual(c.offsets[6], Int32(c.hp * c.wp), "plane 1")
        XCTAssertEqual(c.padded.count, 2 * c.hp * c.wp + Int(GS_CONV_OVERREAD))
        XCTAssertTrue(c.padded[(2 * c.hp * c.wp)...].allSatisfy { $0 == 0 }, "over-read zeros")
        XCTAssertEqual(c.padded[(1 * c.wp) + 2], c.x[0], "first input value at row top, column left")
        XCTAssertEqual(c.padded[0], 0)
    }

    /// Each SIMD direct convolution, plain and reduced over rows, against the scalar one.
    func testConv2dOnRandomShapes() {
        var rng = SeededRandom(seed: 23)
        for shape in conv2dShapes(&rng) {
            let c = Conv2DCase(shape, rng: &rng)
            // The tolerance scale: the same convolution of |x|, |w| and |bias|.
            var absolute = c
            absolute.padded = c.padded.map { abs($0) }
            absolute.packed = c.packed.map { abs($0) }
            absolute.bias = c.bias.map { abs($0) }
            let magnitude = absolute.conv({ gs_conv2d_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }, relu: 0).dropLast().map(Double.init)
            let rowMagnitude = absolute.maxmin({ gs_conv2d_maxmin_h_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }).max
                .dropLast().map(Double.init)
            let (wantMax, wantMin) = c.maxmin({ gs_conv2d_maxmin_h_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) })
            for v in conv2dVariants {
                for relu in [0, 1] {
                    let want = c.conv({ gs_conv2d_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }, relu: relu)
                    assertConvMatches(c.conv(v.conv, relu: relu), want.dropLast().map(Double.init), magnitude,
                                      "\(v.name) conv2d \(c) relu \(relu)")
                }
                let (mx, mn) = c.maxmin(v.maxmin)
                assertConvMatches(mx, wantMax.dropLast().map(Double.init), rowMagnitude, "\(v.name) conv2d max over rows \(c)")
                assertConvMatches(mn, wantMin.dropLast().map(Double.init), rowMagnitude, "\(v.name) conv2d min over rows \(c)")
            }
        }
    }

    // MARK: Winograd F(2,7) against the direct convolution

    typealias Wino27 = (UnsafePointer<Float>, Int32, Int32, Int32, Int32, UnsafePointer<Float>, UnsafePointer<Float>, Int32, Int32,
                        UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    typealias Wino27MaxMin = (UnsafePointer<Float>, Int32, Int32, Int32, Int32, UnsafePointer<Float>, UnsafePointer<Float>, Int32,
                              UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void

    /// Every Winograd version this CPU runs: scalar everywhere, AVX2 and AVX-512 where it has them.
    private var wino27Variants: [(name: String, conv: Wino27, maxmin: Wino27MaxMin)] {
        var list: [(name: String, conv: Wino27, maxmin: Wino27MaxMin)] = [
            (name: "scalar", conv: { gs_conv2d_wino27_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) },
             maxmin: { gs_conv2d_maxmin_h_wino27_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) })]
        #if arch(x86_64)
        if gs_active_isa() == GS_ISA_AVX2 {
            list.append((name: "avx2", conv: { gs_conv2d_wino27_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) },
                         maxmin: { gs_conv2d_maxmin_h_wino27_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) }))
        }
        if gs_uses_avx512() != 0 {
            list.append((name: "avx512", conv: { gs_conv2d_wino27_avx512($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) },
                         maxmin: { gs_conv2d_maxmin_h_wino27_avx512($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) }))
        }
        #endif
        return list
    }

    /// |got - want| <= 2e-5 (1 + magnitude) element by element (the Winograd
    /// transforms round differently from the direct sum), and the guard float
    /// after the n outputs still NaN.
    private func assertWinoMatches(_ got: [Float], _ want: [Float], _ magnitude: [Float], _ what: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        let n = want.count - 1
        XCTAssertEqual(got.count, n + 1, what, file: file, line: line)
        for i in 0..<n where !(abs(Double(got[i]) - Double(want[i])) <= 2e-5 * (1 + Double(magnitude[i]))) {
            XCTFail("\(what) differs at \(i): \(got[i]) vs \(want[i])", file: file, line: line)
            return
        }
        XCTAssertTrue(got[n].isNaN, "\(what): stored past the output", file: file, line: line)
    }

    /// Each Winograd F(2,7) version, plain and reduced over rows, against
    /// gs_conv2d_scalar / gs_conv2d_maxmin_h_scalar: musicnn's shapes (fewer
    /// output channels), then tails: w_out odd and even and small, c_out 1, 5,
    /// 7, 13, c_in 1..5 and 64, kh 1..40.
    func testWino27AgainstDirectConv2d() {
        var rng = SeededRandom(seed: 27)
        var shapes = [(1, 96, 187, 0, 0, 3, 3, 38, 7, 13), (1, 96, 187, 0, 0, 3, 3, 67, 7, 7), (64, 1, 187, 0, 0, 3, 3, 1, 7, 13),
                      (561, 1, 187, 0, 0, 3, 3, 1, 7, 5), (1, 5, 1, 0, 0, 3, 3, 5, 7, 1), (2, 3, 2, 1, 1, 3, 3, 5, 7, 6),
                      (3, 12, 65, 2, 1, 3, 3, 7, 7, 12), (5, 40, 20, 0, 0, 3, 3, 40, 7, 5), (2, 4, 17, 0, 0, 3, 3, 3, 7, 5),
                      (1, 3, 50, 0, 0, 3, 3, 2, 7, 13), (3, 2, 146, 0, 0, 3, 3, 1, 7, 7), (64, 2, 9, 0, 0, 3, 3, 2, 7, 7)]
        for _ in 0..<16 {
            let cin = Int.random(in: 1...5, using: &rng), kh = Int.random(in: 1...40, using: &rng)
            let top = Int.random(in: 0...2, using: &rng), bottom = Int.random(in: 0...2, using: &rng)
            let h = max(1, kh - top - bottom + Int.random(in: 0...5, using: &rng)), w = Int.random(in: 1...200, using: &rng)
            shapes.append((cin, h, w, top, bottom, 3, 3, kh, 7, [1, 5, 7, 13, 6, 20][Int.random(in: 0...5, using: &rng)]))
        }
        for shape in shapes {
            let c = Conv2DCase(shape, rng: &rng)
            var absolute = c
            absolute.padded = c.padded.map { abs($0) }
            absolute.packed = c.packed.map { abs($0) }
            absolute.bias = c.bias.map { abs($0) }
            let magnitude = absolute.conv({ gs_conv2d_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }, relu: 0)
            let rowMagnitude = absolute.maxmin({ gs_conv2d_maxmin_h_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }).max
            let (wantMax, wantMin) = c.maxmin({ gs_conv2d_maxmin_h_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) })
            var packed = [Float](repeating: .nan, count: gs_wino27_packed_floats(Int32(c.cin), Int32(c.kh), Int32(c.cout)))
            gs_wino27_pack(c.weight, Int32(c.cin), Int32(c.kh), Int32(c.cout), &packed)
            // NaN-filled scratch: the kernels must write every float they read.
            var scratch = [Float](repeating: .nan, count: gs_wino27_scratch_floats(Int32(c.cin), Int32(c.hp), Int32(c.wp)))
            let (cin, hp, wp, kh, cout) = (Int32(c.cin), Int32(c.hp), Int32(c.wp), Int32(c.kh), Int32(c.cout))
            for v in wino27Variants {
                for relu in [0, 1] {
                    let want = c.conv({ gs_conv2d_scalar($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) }, relu: relu)
                    var got = [Float](repeating: .nan, count: c.cout * c.hOut * c.wOut + 1)
                    v.conv(c.padded, cin, hp, wp, kh, packed, c.bias, cout, Int32(relu), &got, &scratch)
                    assertWinoMatches(got, want, magnitude, "\(v.name) wino27 \(c) relu \(relu)")
                }
                var mx = [Float](repeating: .nan, count: c.cout * c.wOut + 1), mn = mx
                v.maxmin(c.padded, cin, hp, wp, kh, packed, c.bias, cout, &mx, &mn, &scratch)
                assertWinoMatches(mx, wantMax, rowMagnitude, "\(v.name) wino27 max over rows \(c)")
                assertWinoMatches(mn, wantMin, rowMagnitude, "\(v.name) wino27 min over rows \(c)")
            }
        }
        XCTAssertEqual(gs_wino27_available(), gs_active_isa() == GS_ISA_AVX2 ? 1 : 0)
    }

    // MARK: MobileNet kernels (YAMNet)

    typealias Depthwise = (UnsafePointer<Float>, Int32, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>, UnsafePointer<Float>,
                           Int32, Float, UnsafeMutablePointer<Float>, Int32, Int32) -> Void
    typealias Pointwise = (UnsafePointer<Float>, Int32, Int32, UnsafePointer<Float>, UnsafePointer<Float>, Int32, Int32, Float,
                           UnsafeMutablePointer<Float>) -> Void

    /// The depthwise and pointwise versions this CPU runs, the dispatching ones included.
    private var mobileNetVariants: [(name: String, depthwise: Depthwise, pointwise: Pointwise)] {
        var list: [(name: String, depthwise: Depthwise, pointwise: Pointwise)] = [
            (name: "dispatch", depthwise: { gs_depthwise3x3($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) },
             pointwise: { gs_pointwise($0, $1, $2, $3, $4, $5, $6, $7, $8) })]
        #if arch(x86_64)
        if gs_active_isa() == GS_ISA_AVX2 {
            list.append((name: "avx2", depthwise: { gs_depthwise3x3_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) },
                         pointwise: { gs_pointwise_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8) }))
        }
        if gs_uses_avx512() != 0 {
            // AVX-512 only for the pointwise convolution: the depthwise slot repeats AVX2.
            list.append((name: "avx512", depthwise: { gs_depthwise3x3_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) },
                         pointwise: { gs_pointwise_avx512($0, $1, $2, $3, $4, $5, $6, $7, $8) }))
        }
        #elseif arch(arm64)
        list.append((name: "neon", depthwise: { gs_depthwise3x3_neon($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) },
                     pointwise: { gs_pointwise_neon($0, $1, $2, $3, $4, $5, $6, $7, $8) }))
        #endif
        return list
    }

    /// Off, plain ReLU, ReLU capped at 0.5.
    private let mobileNetActivations: [(relu: Int32, max: Float)] = [(0, .infinity), (1, .infinity), (1, 0.5)]

    /// |got - want| <= 1e-5 (1 + magnitude) element by element (magnitude: the
    /// same sum of |w x| + |bias|), and the guard float after the outputs still NaN.
    private func assertBounded(_ got: [Float], _ want: [Float], _ magnitude: [Float], _ what: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        let n = want.count
        XCTAssertEqual(got.count, n + 1, what, file: file, line: line)
        for i in 0..<n where !(abs(Double(got[i]) - Double(want[i])) <= 1e-5 * (1 + Double(magnitude[i]))) {
            XCTFail("\(what) differs at \(i): \(got[i]) vs \(want[i])", file: file, line: line)
            return
        }
        XCTAssertTrue(got[n].isNaN, "\(what): stored past the output", file: file, line: line)
    }

    /// Each depthwise version against gs_depthwise3x3_scalar: YAMNet's shapes
    /// (fewer channels), strides 1 and 2, "same" sizes with and without the
    /// extra bottom/right row, then random ones with odd c and rows of every width.
    func testDepthwiseOnRandomShapes() {
        var rng = SeededRandom(seed: 31)
        var shapes = [(32, 32, 48, 1, 1, 1), (64, 32, 48, 2, 0, 0), (16, 16, 24, 2, 0, 0), (8, 8, 12, 2, 0, 0), (8, 4, 6, 1, 1, 1),
                      (8, 4, 6, 2, 0, 0), (8, 2, 3, 1, 1, 1), (3, 1, 1, 1, 1, 1), (5, 9, 37, 2, 1, 1), (2, 40, 300, 1, 1, 1)]
        for _ in 0..<16 {
            shapes.append((Int.random(in: 1...9, using: &rng), Int.random(in: 1...12, using: &rng), Int.random(in: 1...70, using: &rng),
                           Int.random(in: 1...2, using: &rng), Int.random(in: 0...1, using: &rng), Int.random(in: 0...1, using: &rng)))
        }
        for (c, h, w, stride, top, left) in shapes {
            for extra in [0, 1] {
                let oh = (h + top - 3) / stride + 1 + extra, ow = (w + left - 3) / stride + 1 + extra
                guard oh >= 1, ow >= 1 else { continue }
                let x = rng.floats(c * h * w), weight = rng.floats(c * 9), bias = rng.floats(c)
                var magnitude = [Float](repeating: .nan, count: c * oh * ow)
                gs_depthwise3x3_scalar(x.map(abs), Int32(c), Int32(h), Int32(w), Int32(stride), Int32(top), Int32(left),
                                       weight.map(abs), bias.map(abs), 0, .infinity, &magnitude, Int32(oh), Int32(ow))
                for act in mobileNetActivations {
                    var want = [Float](repeating: .nan, count: c * oh * ow)
                    gs_depthwise3x3_scalar(x, Int32(c), Int32(h), Int32(w), Int32(stride), Int32(top), Int32(left), weight, bias,
                                           act.relu, act.max, &want, Int32(oh), Int32(ow))
                    for v in mobileNetVariants {
                        var got = [Float](repeating: .nan, count: c * oh * ow + 1)
                        v.depthwise(x, Int32(c), Int32(h), Int32(w), Int32(stride), Int32(top), Int32(left), weight, bias,
                                    act.relu, act.max, &got, Int32(oh), Int32(ow))
                        assertBounded(got, want, magnitude,
                                      "\(v.name) depthwise \(c)x\(h)x\(w) stride \(stride) pad \(top)/\(left) out \(oh)x\(ow) act \(act)")
                    }
                }
            }
        }
    }

    /// Each pointwise version against gs_pointwise_scalar on the same packing:
    /// YAMNet's shapes (fewer output channels), then hw and cout off every
    /// vector, tile and panel multiple.
    func testPointwiseOnRandomShapes() {
        var rng = SeededRandom(seed: 32)
        var shapes = [(32, 1536, 64), (64, 384, 48), (256, 24, 80), (512, 6, 1024), (1024, 6, 32), (1, 1, 1), (3, 5, 17), (7, 13, 33),
                      (17, 7, 16), (2, 37, 47)]
        for _ in 0..<16 {
            shapes.append((Int.random(in: 1...70, using: &rng), Int.random(in: 1...60, using: &rng), Int.random(in: 1...80, using: &rng)))
        }
        for (cin, hw, cout) in shapes {
            let x = rng.floats(cin * hw), weight = rng.floats(cout * cin), bias = rng.floats(cout)
            var packed = [Float](repeating: .nan, count: gs_pointwise_packed_floats(Int32(cin), Int32(cout)))
            gs_pointwise_pack(weight, Int32(cin), Int32(cout), &packed)
            var absPacked = packed
            gs_pointwise_pack(weight.map(abs), Int32(cin), Int32(cout), &absPacked)
            var magnitude = [Float](repeating: .nan, count: cout * hw)
            gs_pointwise_scalar(x.map(abs), Int32(cin), Int32(hw), absPacked, bias.map(abs), Int32(cout), 0, .infinity, &magnitude)
            for act in mobileNetActivations {
                var want = [Float](repeating: .nan, count: cout * hw)
                gs_pointwise_scalar(x, Int32(cin), Int32(hw), packed, bias, Int32(cout), act.relu, act.max, &want)
                for v in mobileNetVariants {
                    var got = [Float](repeating: .nan, count: cout * hw + 1)
                    v.pointwise(x, Int32(cin), Int32(hw), packed, bias, Int32(cout), act.relu, act.max, &got)
                    assertBounded(got, want, magnitude, "\(v.name) pointwise \(cin)->\(cout) hw \(hw) act \(act)")
                }
            }
        }
    }

    typealias PointwiseQ8 = (UnsafePointer<Float>, Int32, Int32, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Float>,
                             Int32, Int32, Float, UnsafeMutablePointer<Float>) -> Void

    /// The int8 pointwise versions this CPU runs, the dispatching one included.
    private var pointwiseQ8Variants: [(name: String, run: PointwiseQ8)] {
        var list: [(name: String, run: PointwiseQ8)] = [("dispatch", { gs_pointwise_q8($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) })]
        #if arch(x86_64)
        if gs_active_isa() == GS_ISA_AVX2 { list.append(("avx2", { gs_pointwise_q8_avx2($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) })) }
        if gs_uses_avx512() != 0 { list.append(("avx512", { gs_pointwise_q8_avx512($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) })) }
        #elseif arch(arm64)
        list.append(("neon", { gs_pointwise_q8_neon($0, $1, $2, $3, $4, $5, $6, $7, $8, $9) }))
        #endif
        return list
    }

    /// Each int8 pointwise version against gs_pointwise_q8_scalar on the same packing,
    /// on the shapes of testPointwiseOnRandomShapes; and the scalar one against the
    /// formula on the plain [cout][cin] int8 weights times their scales.
    func testPointwiseQ8OnRandomShapes() {
        var rng = SeededRandom(seed: 34)
        var shapes = [(32, 1536, 64), (64, 384, 48), (256, 24, 80), (512, 6, 1024), (1024, 6, 32), (1, 1, 1), (3, 5, 17), (7, 13, 33),
                      (17, 7, 16), (2, 37, 47)]
        for _ in 0..<16 {
            shapes.append((Int.random(in: 1...70, using: &rng), Int.random(in: 1...60, using: &rng), Int.random(in: 1...80, using: &rng)))
        }
        for (cin, hw, cout) in shapes {
            let x = rng.floats(cin * hw), bias = rng.floats(cout), scale = rng.floats(cout, in: 0.001...0.02)
            let q = (0..<(cout * cin)).map { _ in Int8.random(in: .min ... .max, using: &rng) }
            var packed = [Int8](repeating: 0x5A, count: gs_pointwise_q8_packed_bytes(Int32(cin), Int32(cout)))
            XCTAssertEqual(packed.count, (cout + Int(GS_PW_NR) - 1) / Int(GS_PW_NR) * Int(GS_PW_NR) * cin)
            gs_pointwise_q8_pack(q, Int32(cin), Int32(cout), &packed)
            // The magnitude bound: the float kernel on |x|, |q * scale| and |bias|.
            var absPacked = [Float](repeating: .nan, count: gs_pointwise_packed_floats(Int32(cin), Int32(cout)))
            gs_pointwise_pack(q.indices.map { abs(Float(q[$0]) * scale[$0 / cin]) }, Int32(cin), Int32(cout), &absPacked)
            var magnitude = [Float](repeating: .nan, count: cout * hw)
            gs_pointwise_scalar(x.map(abs), Int32(cin), Int32(hw), absPacked, bias.map(abs), Int32(cout), 0, .infinity, &magnitude)
            for act in mobileNetActivations {
                var want = [Float](repeating: .nan, count: cout * hw)
                gs_pointwise_q8_scalar(x, Int32(cin), Int32(hw), packed, scale, bias, Int32(cout), act.relu, act.max, &want)
                if cin * hw * cout <= 20_000 {
                    var formula = [Float](repeating: 0, count: cout * hw)
                    for co in 0..<cout {
                        for p in 0..<hw {
                            var v = 0.0
                            for ci in 0..<cin { v += Double(q[co * cin + ci]) * Double(x[ci * hw + p]) }
                            v = Double(bias[co]) + Double(scale[co]) * v
                            formula[co * hw + p] = Float(act.relu != 0 ? min(max(v, 0), Double(act.max)) : v)
                        }
                    }
                    assertBounded(want + [.nan], formula, magnitude, "scalar q8 vs formula \(cin)->\(cout) hw \(hw) act \(act)")
                }
                for v in pointwiseQ8Variants {
                    var got = [Float](repeating: .nan, count: cout * hw + 1)
                    v.run(x, Int32(cin), Int32(hw), packed, scale, bias, Int32(cout), act.relu, act.max, &got)
                    assertBounded(got, want, magnitude, "\(v.name) pointwise q8 \(cin)->\(cout) hw \(hw) act \(act)")
                }
            }
        }
    }

    /// The scalar references against plain Swift: the pointwise one from the
    /// plain [cout][cin] weights (so the packing is checked too), the depthwise
    /// one from its formula, with and without the extra bottom/right row.
    func testScalarMobileNetAgainstFormulas() {
        var rng = SeededRandom(seed: 33)
        for (cin, hw, cout) in [(3, 5, 17), (33, 7, 40), (1, 1, 1), (16, 9, 16)] {
            let x = rng.floats(cin * hw), weight = rng.floats(cout * cin), bias = rng.floats(cout)
            var packed = [Float](repeating: .nan, count: gs_pointwise_packed_floats(Int32(cin), Int32(cout)))
            XCTAssertEqual(packed.count, (cout + Int(GS_PW_NR) - 1) / Int(GS_PW_NR) * Int(GS_PW_NR) * cin)
            gs_pointwise_pack(weight, Int32(cin), Int32(cout), &packed)
            for act in mobileNetActivations {
                var got = [Float](repeating: .nan, count: cout * hw)
                gs_pointwise_scalar(x, Int32(cin), Int32(hw), packed, bias, Int32(cout), act.relu, act.max, &got)
                for co in 0..<cout {
                    for p in 0..<hw {
                        var v = Double(bias[co])
                        for ci in 0..<cin { v += Double(weight[co * cin + ci]) * Double(x[ci * hw + p]) }
                        if act.relu != 0 { v = min(max(v, 0), Double(act.max)) }
                        XCTAssertEqual(Double(got[co * hw + p]), v, accuracy: 1e-5 * Double(cin + 1), "pointwise \(cin)->\(cout) at \(co), \(p)")
                    }
                }
            }
        }
        for (c, h, w, stride, top, left, oh, ow) in [(2, 5, 7, 1, 1, 1, 5, 7), (2, 6, 8, 2, 0, 0, 3, 4), (3, 6, 8, 2, 1, 1, 3, 4),
                                                     (1, 4, 6, 2, 0, 0, 2, 3), (1, 3, 3, 1, 0, 0, 1, 1), (2, 4, 5, 2, 1, 1, 3, 3)] {
            let x = rng.floats(c * h * w), weight = rng.floats(c * 9), bias = rng.floats(c)
            for act in mobileNetActivations {
                var got = [Float](repeating: .nan, count: c * oh * ow)
                gs_depthwise3x3_scalar(x, Int32(c), Int32(h), Int32(w), Int32(stride), Int32(top), Int32(left), weight, bias,
                                       act.relu, act.max, &got, Int32(oh), Int32(ow))
                for k in 0..<c {
                    for i in 0..<oh {
                        for j in 0..<ow {
                            var v = Double(bias[k])
                            for a in 0..<3 {
                                for b in 0..<3 {
                                    let y = i * stride + a - top, xx = j * stride + b - left
                                    if y >= 0 && y < h && xx >= 0 && xx < w { v += Double(weight[k * 9 + a * 3 + b]) * Double(x[(k * h + y) * w + xx]) }
                                }
                            }
                            if act.relu != 0 { v = min(max(v, 0), Double(act.max)) }
                            XCTAssertEqual(Double(got[(k * oh + i) * ow + j]), v, accuracy: 1e-5,
                                           "depthwise \(c)x\(h)x\(w) stride \(stride) pad \(top)/\(left) at \(k), \(i), \(j)")
                        }
                    }
                }
            }
        }
    }

    /// gs_clamp (also in place) and gs_subsample2d, the dispatching versions
    /// against the scalar ones and both against plain Swift; exact (no arithmetic).
    func testScalarClampAndSubsample() {
        var rng = SeededRandom(seed: 34)
        for n in [0, 1, 7, 8, 15, 16, 17, 33, 100] {
            var x = rng.floats(n, in: -2...2)
            if n > 2 { x[n / 2] = .nan }
            let want = x.map { $0.isNaN ? -0.5 : min(max($0, -0.5), 1.25) }
            var scalar = [Float](repeating: .nan, count: n), got = scalar
            gs_clamp_scalar(x, n, -0.5, 1.25, &scalar)
            gs_clamp(x, n, -0.5, 1.25, &got)
            XCTAssertEqual(scalar, want, "clamp scalar n \(n)")
            XCTAssertEqual(got, want, "clamp n \(n)")
            x.withUnsafeMutableBufferPointer { p in gs_clamp(p.baseAddress!, n, -0.5, 1.25, p.baseAddress!) }
            XCTAssertEqual(x, want, "clamp in place n \(n)")
        }
        for (c, h, w, sh, sw) in [(32, 64, 96, 2, 2), (3, 7, 9, 2, 2), (2, 5, 33, 1, 2), (4, 6, 17, 2, 1), (1, 1, 1, 2, 2), (2, 9, 40, 3, 3)] {
            let x = rng.floats(c * h * w)
            let oh = (h - 1) / sh + 1, ow = (w - 1) / sw + 1
            var want = [Float](repeating: .nan, count: c * oh * ow)
            for k in 0..<c { for i in 0..<oh { for j in 0..<ow { want[(k * oh + i) * ow + j] = x[(k * h + i * sh) * w + j * sw] } } }
            var scalar = [Float](repeating: .nan, count: c * oh * ow), got = scalar
            gs_subsample2d_scalar(x, Int32(c), Int32(h), Int32(w), Int32(sh), Int32(sw), &scalar)
            gs_subsample2d(x, Int32(c), Int32(h), Int32(w), Int32(sh), Int32(sw), &got)
            XCTAssertEqual(scalar, want, "subsample2d scalar \(c)x\(h)x\(w) by \(sh)x\(sw)")
            XCTAssertEqual(got, want, "subsample2d \(c)x\(h)x\(w) by \(sh)x\(sw)")
        }
    }

    // MARK: scalar-only small ops, against plain Swift

    func testScalarSelectAffine() {
        let (c, n) = (3, 5)
        var rng = SeededRandom(seed: 24)
        let mx = rng.floats(c * n), mn = rng.floats(c * n)
        let scale: [Float] = [2, -0.5, 0], shift: [Float] = [1, -1, 0.25]
        for relu in [0, 1] {
            var got = [Float](repeating: .nan, count: c * n)
            gs_select_affine(mx, mn, Int32(c), Int32(n), Int32(relu), scale, shift, &got)
            for ch in 0..<c {
                for x in 0..<n {
                    var v = scale[ch] < 0 ? mn[ch * n + x] : mx[ch * n + x]
                    if relu == 1 { v = max(v, 0) }
                    XCTAssertEqual(got[ch * n + x], v * scale[ch] + shift[ch], accuracy: 1e-6, "channel \(ch) relu \(relu)")
                }
            }
            gs_select_affine(mx, mn, Int32(c), Int32(n), Int32(relu), nil, nil, &got)
            XCTAssertEqual(got, mx.map { relu == 1 ? max($0, 0) : $0 }, "no affine: the max")
        }
    }

    func testScalarReduce() {
        var rng = SeededRandom(seed: 25)
        let (c, h, w) = (3, 7, 187)
        let x = rng.floats(c * h * w, in: -5...5)
        for axis in [0, 1] {
            for kind in [0, 1] {
                var got = [Float](repeating: .nan, count: c * (axis == 0 ? w : h))
                gs_reduce(x, Int32(c), Int32(h), Int32(w), Int32(axis), Int32(kind), &got)
                for ch in 0..<c {
                    for j in 0..<(axis == 0 ? w : h) {
                        let values = (0..<(axis == 0 ? h : w)).map { axis == 0 ? x[(ch * h + $0) * w + j] : x[(ch * h + j) * w + $0] }
                        let want = kind == 0 ? Double(values.max()!) : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
                        XCTAssertEqual(Double(got[ch * (axis == 0 ? w : h) + j]), want, accuracy: kind == 0 ? 0 : 1e-5,
                                       "axis \(axis) kind \(kind) channel \(ch) index \(j)")
                    }
                }
            }
        }
    }

    func testScalarMaxpoolStrided() {
        var rng = SeededRandom(seed: 26)
        for (c, h, w, kh, kw, sh, sw) in [(2, 9, 13, 3, 3, 2, 2), (1, 4, 10, 4, 1, 1, 3), (3, 5, 5, 2, 2, 2, 2), (1, 1, 7, 1, 7, 1, 1),
                                          (2, 6, 8, 2, 3, 1, 1)] {
            let x = rng.floats(c * h * w)
            let oh = (h - kh) / sh + 1, ow = (w - kw) / sw + 1
            var got = [Float](repeating: .nan, count: c * oh * ow)
            gs_maxpool_strided(x, Int32(c), Int32(h), Int32(w), Int32(kh), Int32(kw), Int32(sh), Int32(sw), &got)
            var want = got
            for ch in 0..<c {
                for y in 0..<oh {
                    for ox in 0..<ow {
                        var m = -Float.infinity
                        for dy in 0..<kh { for dx in 0..<kw { m = max(m, x[(ch * h + y * sh + dy) * w + ox * sw + dx]) } }
                        want[(ch * oh + y) * ow + ox] = m
                    }
                }
            }
            XCTAssertEqual(got, want, "maxpool \(c)x\(h)x\(w) kernel \(kh)x\(kw) stride \(sh)x\(sw)")
        }
    }

    func testScalarElementwise() {
        var rng = SeededRandom(seed: 27)
        let n = 37
        let a = rng.floats(n, in: -10...10), b = rng.floats(n, in: -10...10)
        var out = [Float](repeating: .nan, count: n)
        gs_relu(a, n, &out)
        XCTAssertEqual(out, a.map { max($0, 0) }, "relu")
        gs_add(a, b, n, &out)
        XCTAssertEqual(out, zip(a, b).map { $0 + $1 }, "add")
        var inPlace = a
        inPlace.withUnsafeMutableBufferPointer { p in gs_add(p.baseAddress!, b, n, p.baseAddress!) }
        XCTAssertEqual(inPlace, zip(a, b).map { $0 + $1 }, "add in place")
        // affine: 2 channels of a plane of 18 (the last value untouched).
        let scale: [Float] = [1.5, -2], shift: [Float] = [0.5, 3]
        out = [Float](repeating: .nan, count: n)
        gs_affine(a, 2, 18, scale, shift, &out)
        for i in 0..<36 { XCTAssertEqual(out[i], a[i] * scale[i / 18] + shift[i / 18], accuracy: 1e-5, "affine \(i)") }
        XCTAssertTrue(out[36].isNaN, "affine writes c * plane values")
        // sigmoid: against Double, and safe far out.
        let extremes: [Float] = [-1e30, -1000, -100, -88.8, -20, -1e-8, 0, 1e-8, 20, 88.8, 100, 1000, 1e30, .infinity, -.infinity]
        let xs = a + extremes
        var s = [Float](repeating: .nan, count: xs.count)
        gs_sigmoid(xs, xs.count, &s)
        for (x, y) in zip(xs, s) {
            let want = 1 / (1 + exp(-Double(x)))
            XCTAssertFalse(y.isNaN, "sigmoid(\(x)) is NaN")
            XCTAssertTrue(y >= 0 && y <= 1, "sigmoid(\(x)) = \(y)")
            XCTAssertEqual(Double(y), want, accuracy: 1e-6 * want + 2e-38, "sigmoid(\(x))")
        }
        // log10(1 + k x): against Double, including tiny k x where 1 + k x rounds.
        let power = rng.floats(n, in: 0...3) + [0, 1e-12, 1e-9, 5e-7]
        var logs = [Float](repeating: .nan, count: power.count)
        gs_log10_1p(power, Int32(power.count), 10000, &logs)
        for (x, y) in zip(power, logs) {
            let want = log10(1 + 10000 * Double(x))
            XCTAssertEqual(Double(y), want, accuracy: 1e-6 * want + 1e-12, "log10(1 + 10000 * \(x))")
        }
    }

    func testMelFilterbankAndPowerSpectrum() throws {
        var rng = SeededRandom(seed: 14)
        let bank = MelFilterbankData(sampleRate: 22050, nFFT: 2048, nMels: 128)
        for v in variants {
            for bins in [1025, 7, 9, 1] {
                let spectrum = rng.floats(2 * bins)
                var want = [Float](repeating: .nan, count: bins), got = want
                gs_power_spectrum_scalar(spectrum, Int32(bins), &want)
                v.power(spectrum, Int32(bins), &got)
                assertMatches(got, want, "\(v.name) power spectrum \(bins)")
            }
            let power = rng.floats(1025, in: 0...10)
            var want = [Float](repeating: .nan, count: 128), got = want
            gs_mel_apply_scalar(power, bank.starts, bank.lengths, bank.weights, 128, &want)
            v.mel(power, bank.starts, bank.lengths, bank.weights, 128, &got)
            assertMatches(got, want, "\(v.name) mel filterbank")
        }
    }
}

/// The engine's real filterbank layout, for the mel kernel test.
struct MelFilterbankData {
    var starts: [Int32], lengths: [Int32], weights: [Float]
    init(sampleRate: Int, nFFT: Int, nMels: Int) {
        let bank = Engine.MelFilterbank(sampleRate: sampleRate, nFFT: nFFT, nMels: nMels, fmin: 0, fmax: Double(sampleRate) / 2)
        starts = bank.bandStart
        lengths = bank.bandLength
        weights = bank.weights
    }
}

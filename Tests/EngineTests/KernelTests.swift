import CKernels
import XCTest

/// Each scalar C kernel against a naive reference written straight from its definition.
final class KernelTests: XCTestCase {
    private func naiveConv(_ x: [Float], cin: Int, h: Int, w: Int, weight: [Float], bias: [Float], cout: Int, relu: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: cout * h * w)
        for o in 0..<cout {
            for y in 0..<h {
                for xx in 0..<w {
                    var acc = Double(bias[o])
                    for i in 0..<cin {
                        for dy in 0..<3 {
                            for dx in 0..<3 {
                                let sy = y + dy - 1, sx = xx + dx - 1
                                guard sy >= 0, sy < h, sx >= 0, sx < w else { continue }
                                acc += Double(weight[((o * cin + i) * 3 + dy) * 3 + dx]) * Double(x[(i * h + sy) * w + sx])
                            }
                        }
                    }
                    out[(o * h + y) * w + xx] = relu ? Float(max(acc, 0)) : Float(acc)
                }
            }
        }
        return out
    }

    func testConvolutionMatchesNaiveReferenceOnOddShapes() {
        var rng = SeededRandom(seed: 1)
        for (cin, cout, h, w) in [(1, 1, 1, 1), (1, 4, 5, 7), (3, 5, 9, 4), (8, 3, 2, 13), (2, 2, 17, 1)] {
            for relu in [false, true] {
                let x = rng.floats(cin * h * w), weight = rng.floats(cout * cin * 9), bias = rng.floats(cout)
                var out = [Float](repeating: .nan, count: cout * h * w)
                gs_conv3x3_scalar(x, Int32(cin), Int32(h), Int32(w), weight, bias, Int32(cout), relu ? 1 : 0, &out, nil)
                assertClose(out, naiveConv(x, cin: cin, h: h, w: w, weight: weight, bias: bias, cout: cout, relu: relu),
                            relative: 1e-5, absolute: 1e-5, "conv \(cin)->\(cout) \(h)x\(w) relu \(relu)")
            }
        }
    }

    func testMaxPoolDropsRemainderAndTakesBlockMaximum() {
        var rng = SeededRandom(seed: 2)
        let c = 3, h = 7, w = 5, kh = 2, kw = 3
        let x = rng.floats(c * h * w)
        var out = [Float](repeating: .nan, count: c * (h / kh) * (w / kw))
        gs_maxpool_scalar(x, Int32(c), Int32(h), Int32(w), Int32(kh), Int32(kw), &out)
        var expected: [Float] = []
        for ch in 0..<c {
            for y in 0..<(h / kh) {
                for xx in 0..<(w / kw) {
                    var m = -Float.infinity
                    for dy in 0..<kh { for dx in 0..<kw { m = max(m, x[(ch * h + y * kh + dy) * w + xx * kw + dx]) } }
                    expected.append(m)
                }
            }
        }
        XCTAssertEqual(out, expected)
    }

    func testGlobalAveragePoolAndDense() {
        var rng = SeededRandom(seed: 3)
        let c = 5, h = 3, w = 4
        let x = rng.floats(c * h * w)
        var pooled = [Float](repeating: .nan, count: c)
        gs_global_avgpool_scalar(x, Int32(c), Int32(h), Int32(w), &pooled)
        let expectedPool = (0..<c).map { ch in x[(ch * h * w)..<((ch + 1) * h * w)].reduce(0, +) / Float(h * w) }
        assertClose(pooled, expectedPool, relative: 1e-6, "avgpool")

        let nOut = 7
        let weight = rng.floats(nOut * c), bias = rng.floats(nOut)
        for relu in [false, true] {
            var out = [Float](repeating: .nan, count: nOut)
            gs_dense_scalar(pooled, Int32(c), weight, bias, Int32(nOut), relu ? 1 : 0, &out)
            let expected = (0..<nOut).map { o -> Float in
                let v = (0..<c).reduce(bias[o]) { $0 + weight[o * c + $1] * pooled[$1] }
                return relu ? max(v, 0) : v
            }
            assertClose(out, expected, relative: 1e-5, "dense relu \(relu)")
        }
    }

    func testSoftmaxInPlaceIsStableForLargeLogits() {
        var values: [Float] = [1000, 999, 998, -5]
        values.withUnsafeMutableBufferPointer { v in gs_softmax_scalar(v.baseAddress!, 4, v.baseAddress!) }
        let e = [1.0, exp(-1.0), exp(-2.0), exp(-1005.0)]
        let sum = e.reduce(0, +)
        assertClose(values, e.map { Float($0 / sum) }, relative: 1e-6, "softmax")
    }

    func testMelApplyPowerSpectrumAndDecibels() {
        let spectrum: [Float] = [1, 2, 3, 4, 0, 0, -1, 0.5]  // (re, im) x 4 bins
        var power = [Float](repeating: 0, count: 4)
        gs_power_spectrum_scalar(spectrum, 4, &power)
        XCTAssertEqual(power, [5, 25, 0, 1.25])
        let starts: [Int32] = [0, 2], lengths: [Int32] = [2, 2], weights: [Float] = [0.5, 1, 2, 4]
        var mel = [Float](repeating: .nan, count: 2)
        gs_mel_apply_scalar(power, starts, lengths, weights, 2, &mel)
        XCTAssertEqual(mel, [0.5 * 5 + 25, 0 + 4 * 1.25])
        var db: [Float] = [100, 1, 0]
        db.withUnsafeMutableBufferPointer { gs_power_to_db($0.baseAddress!, 3, 1e-10, $0.baseAddress!) }
        assertClose(db, [20, 0, -100], relative: 1e-6, "dB")
    }

    func testStandardizeClampsBelowTopDBThenHasZeroMeanUnitDeviation() {
        let x: [Float] = [0, -10, -20, -200, -5]
        var out = [Float](repeating: .nan, count: x.count)
        gs_standardize(x, Int32(x.count), 80, 1e-5, &out)
        let clamped: [Double] = [0, -10, -20, -80, -5]
        let mean = clamped.reduce(0, +) / 5
        let std = (clamped.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()
        assertClose(out, clamped.map { Float(($0 - mean) / (std + 1e-5)) }, relative: 1e-5, "standardize")
    }

    func testWindowAndSumOfSquaresOnOddLengths() {
        var rng = SeededRandom(seed: 5)
        for n in [1, 3, 4, 7, 1696, 2049] {
            let x = rng.floats(n), window = rng.floats(n)
            var out = [Float](repeating: .nan, count: n)
            gs_apply_window(x, window, Int32(n), &out)
            XCTAssertEqual(out, zip(x, window).map { $0 * $1 }, "window, n = \(n)")
            let want = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(gs_sum_of_squares(x, Int32(n)), want, accuracy: 1e-12 * max(want, 1), "sum of squares, n = \(n)")
        }
    }

    func testS16ConversionAndIrregularCount() {
        let values: [Int16] = [0, 1, -1, 32767, -32768, 12345, -2, 256, -257]
        let bytes = values.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        var out = [Float](repeating: .nan, count: values.count)
        gs_s16le_to_float(bytes, values.count, &out)
        XCTAssertEqual(out, values.map { Float($0) / 32768 })

        let clean: [Float] = [0, -0.0, 1, -1, 64, -64, Float.leastNormalMagnitude, 0.5]
        XCTAssertEqual(gs_any_irregular(clean, clean.count, 64), 0)
        for bad: Float in [.nan, .infinity, -.infinity, 64.5, -100, Float.leastNonzeroMagnitude, -Float.leastNormalMagnitude / 2] {
            var block = clean
            block[5] = bad
            XCTAssertEqual(gs_any_irregular(block, block.count, 64), 1, "\(bad)")
        }
    }

    func testDownmixAveragesChannels() {
        var rng = SeededRandom(seed: 6)
        for channels in [1, 2, 3, 6] {
            let frames = 37, x = rng.floats(frames * channels)
            var out = [Float](repeating: .nan, count: frames)
            gs_downmix(x, frames, Int32(channels), &out)
            let want = (0..<frames).map { f in (0..<channels).reduce(Float(0)) { $0 + x[f * channels + $1] } / Float(channels) }
            assertClose(out, want, relative: 1e-6, absolute: 1e-7, "\(channels) channels")
        }
    }
}

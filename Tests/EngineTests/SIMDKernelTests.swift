import CKernels
import Engine
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
        if variants.isEmpty { throw XCTSkip("this CPU runs only the scalar kernels (no AVX2+FMA or NEON)") }
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

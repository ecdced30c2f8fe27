import CFFTW3

/// A single-precision real-to-complex FFT of fixed size, planned once.
///
/// Owns the FFTW plan and its aligned buffers; `execute()` only runs the plan,
/// so the per-frame path neither plans nor allocates.
final class RealFFT {
    let size: Int
    /// Time-domain input, `size` samples, zeros until written; `execute()` leaves it as it is. Valid until deinit.
    let input: UnsafeMutablePointer<Float>
    /// Interleaved complex output, `size/2 + 1` bins of (re, im). Valid until deinit.
    let output: UnsafeMutablePointer<Float>
    private let plan: fftwf_plan

    init(size: Int) throws {
        self.size = size
        guard let inBuffer = fftwf_alloc_real(size),
              let outBuffer = fftwf_alloc_complex(size / 2 + 1)
        else { throw EngineError.internalFault("FFTW could not allocate buffers for a \(size)-point FFT") }
        // FFTW_ESTIMATE: planning takes microseconds and gives the same plan on
        // every run, so frames are reproducible and start-up stays fast.
        // FFTW_PRESERVE_INPUT (r2c's default, stated): a caller that writes only the
        // head of `input` (a frame shorter than the FFT) relies on the zeros after it.
        let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_PRESERVE_INPUT)
        guard let plan = fftwf_plan_dft_r2c_1d(Int32(size), inBuffer, outBuffer, flags) else {
            fftwf_free(inBuffer)
            fftwf_free(outBuffer)
            throw EngineError.internalFault("FFTW could not plan a \(size)-point real FFT")
        }
        self.plan = plan
        input = inBuffer
        output = UnsafeMutableRawPointer(outBuffer).assumingMemoryBound(to: Float.self)
        input.initialize(repeating: 0, count: size)
    }

    func execute() {
        fftwf_execute(plan)
    }

    deinit {
        fftwf_destroy_plan(plan)
        fftwf_free(input)
        fftwf_free(UnsafeMutableRawPointer(output))
    }
}

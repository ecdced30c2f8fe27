import Engine

#if canImport(Glibc)
import Glibc
#endif

/// A deterministic stand-in for a radio stream: a few harmonic tones with
/// vibrato and changing chords over noise, at a realistic level. The same
/// seed always gives the same samples, so benchmark runs are comparable.
final class GeneratedAudio: AudioSource {
    let format: StreamFormat
    let name = "generated"
    private let totalFrames: Int
    private var position = 0
    private var noise: UInt64

    init(seconds: Double, sampleRate: Int, channels: Int, seed: UInt64 = 1) {
        format = StreamFormat(sampleRate: sampleRate, channels: channels)
        totalFrames = Int(seconds * Double(sampleRate))
        noise = seed
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        let channels = format.channels
        let frames = min(buffer.count / channels, totalFrames - position)
        let rate = Double(format.sampleRate)
        for f in 0..<frames {
            let t = Double(position + f) / rate
            // The chord changes every 2 s; the phase wobble is a 5 Hz vibrato.
            let chord = Int(t / 2) % 4
            var v = 0.0
            for (n, hz) in [220.0, 277.18, 329.63, 415.3].enumerated() where (n + chord) % 4 != 0 {
                v += 0.1 * sin(2 * Double.pi * hz * t + 0.3 * sin(2 * Double.pi * 5 * t))
            }
            noise = noise &* 6364136223846793005 &+ 1442695040888963407
            v += 0.02 * (Double(noise >> 40) / Double(1 << 24) - 0.5)
            for c in 0..<channels { buffer[f * channels + c] = Float(v) * (c == 0 ? 1 : 0.9) }
        }
        position += frames
        return frames * channels
    }

    /// Interleaved 16-bit little-endian PCM of the next `frames` frames, for piping to a child.
    func s16Bytes(frames: Int, into bytes: inout [UInt8], scratch: inout [Float]) -> Int {
        let got = scratch.withUnsafeMutableBufferPointer { buffer in
            (try? read(into: UnsafeMutableBufferPointer(rebasing: buffer[0..<(frames * format.channels)]))) ?? 0
        }
        for i in 0..<got {
            let v = Int32((max(-1, min(1, scratch[i])) * 32767).rounded())
            bytes[2 * i] = UInt8(truncatingIfNeeded: v)
            bytes[2 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
        }
        return got * 2
    }
}

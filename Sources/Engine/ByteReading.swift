/// Fixed-width fields of binary headers (WAV, AU, the model file), read at any
/// byte offset whatever the alignment. The caller checks the bounds.
extension UnsafeRawBufferPointer {
    func fourCC(at index: Int) -> String {
        let bytes = self[index..<index + 4]
        // Non-printable bytes become "?" so that an error message stays one readable line.
        return String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
    func uint16LE(at index: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: index, as: UInt16.self)) }
    func uint32LE(at index: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: index, as: UInt32.self)) }
    func uint64LE(at index: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: index, as: UInt64.self)) }
    func uint32BE(at index: Int) -> UInt32 { UInt32(bigEndian: loadUnaligned(fromByteOffset: index, as: UInt32.self)) }
}

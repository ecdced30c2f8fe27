import CSndFile

#if canImport(Glibc)
import Glibc
#endif

/// Reads an audio file (WAV, FLAC, Ogg Vorbis/Opus, MP3, AIFF, ...) with libsndfile.
public final class SoundFileSource: AudioSource {
    public let name: String
    public let format: StreamFormat
    private let file: OpaquePointer

    public init(path: String) throws {
        name = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw EngineError.inputUnavailable("\(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw EngineError.inputUnavailable("\(path) is a directory, not an audio file")
        }
        guard access(path, R_OK) == 0 else {
            throw EngineError.inputUnavailable("\(path): \(String(cString: strerror(errno)))")
        }
        var sfInfo = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &sfInfo) else {
            throw EngineError.inputFormat("\(path): \(String(cString: sf_strerror(nil)))")
        }
        guard sfInfo.channels >= 1, sfInfo.channels <= 64, sfInfo.samplerate >= 1000, sfInfo.samplerate <= 768_000 else {
            sf_close(handle)
            throw EngineError.inputFormat("\(path): \(sfInfo.channels) channels at \(sfInfo.samplerate) Hz is not usable audio")
        }
        file = handle
        format = StreamFormat(sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels))
        // Integer files are read as floats in [-1, 1]; libsndfile's default of
        // not normalising only applies to float data, which is already in range.
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        let frames = buffer.count / format.channels
        let got = sf_readf_float(file, buffer.baseAddress, sf_count_t(frames))
        if got < 0 || (got == 0 && sf_error(file) != 0) {
            throw EngineError.inputFormat("\(name): \(String(cString: sf_strerror(file)))")
        }
        return Int(got) * format.channels
    }

    deinit {
        sf_close(file)
    }
}

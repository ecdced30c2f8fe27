import CSndFile

#if canImport(Glibc)
import Glibc
#endif

/// Reads an audio file (WAV, FLAC, Ogg Vorbis/Opus, MP3, AIFF, ...) with libsndfile.
public final class SoundFileSource: AudioSource {
    public let name: String
    public let format: StreamFormat
    private let file: OpaquePointer
    /// libmpg123 (MPEG files only) talks on stderr; see `StderrMute`.
    private let decoderIsChatty: Bool
    private let mute = StderrMute()
    private var framesRead = 0

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
        // Opening an MP3 already scans it (and may warn about its Xing header).
        let mute = StderrMute()
        guard let handle = mute.muted({ sf_open(path, Int32(SFM_READ), &sfInfo) }) else {
            throw EngineError.inputFormat("\(path): \(String(cString: sf_strerror(nil)))")
        }
        let declared = StreamFormat(sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels))
        do {
            try AudioLimits.check(declared, declaredBy: path)
        } catch {
            sf_close(handle)
            throw error
        }
        file = handle
        format = declared
        decoderIsChatty = Int(sfInfo.format) & Int(SF_FORMAT_TYPEMASK) == Int(SF_FORMAT_MPEG)
        // Integer files are read as floats in [-1, 1]; libsndfile's default of
        // not normalising only applies to float data, which is already in range.
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
        let frames = buffer.count / format.channels
        let got = decoderIsChatty
            ? mute.muted { sf_readf_float(file, buffer.baseAddress, sf_count_t(frames)) }
            : sf_readf_float(file, buffer.baseAddress, sf_count_t(frames))
        if got < 0 || (got == 0 && sf_error(file) != 0) {
            // Lines for the audio before this point are already written and stay valid.
            let seconds = Double(framesRead) / Double(format.sampleRate)
            throw EngineError.inputFormat(
                "\(name): decoding failed after \(TextFormatting.fixed(seconds, 1)) s: \(String(cString: sf_strerror(file)))")
        }
        framesRead += Int(got)
        return Int(got) * format.channels
    }

    deinit {
        sf_close(file)
    }
}

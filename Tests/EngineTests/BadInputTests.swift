import Foundation
import XCTest

/// Issue 5, "bad input": the built binary fed broken, lying, odd and hostile input.
///
/// Every case checks what the README promises: the documented exit code; for an
/// error exactly one stderr line, starting `genre-stream:`, that names the problem;
/// for a survivable oddity exit 0 and the documented warning (or none); no crash
/// (a signal shows up as a wrong status) and no hang (`Binary.run` times out); and
/// that every window line written before a fault is whole, valid JSON, and as many
/// as the good audio before the fault allows.
final class BadInputTests: XCTestCase {
    private static let labels = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]

    /// 10 s of music at the model's rate: three whole windows; the 1-s tail is under
    /// half a window (1.54 s) and is dropped.
    private static let tenSeconds = TestAudio.music(seconds: 10, rate: 22050)
    private static let windowsInTenSeconds = 3

    // MARK: Truncated WAV headers

    func testWAVHeaderCutAt3BytesIsTooShortToBeAHeaderAndIsReadAsRawPCM() throws {
        // "RIF" cannot be told from raw PCM: one S16 sample and a stray byte.
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(wavHeader().prefix(3)))
        assertSurvived(run, windows: 0, warnings: ["dropped 1 trailing bytes", "ended before half a window"])
    }

    func testWAVHeaderCutAt12BytesAfterTheRIFFHeader() throws {
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(wavHeader().prefix(12)))
        assertFailure(run, 65, mentions: ["ends at byte 12", "without a data chunk"])
    }

    func testWAVHeaderCutAt20BytesInsideTheFmtChunk() throws {
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(wavHeader().prefix(20)))
        assertFailure(run, 65, mentions: ["ends inside the WAV fmt chunk", "byte 20"])
    }

    func testWAVHeaderCutAt36BytesBeforeTheDataChunk() throws {
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(wavHeader().prefix(36)))
        assertFailure(run, 65, mentions: ["ends at byte 36", "without a data chunk"])
    }

    func testWAVHeaderCutAt43BytesInsideTheDataChunkHeader() throws {
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(wavHeader().prefix(43)))
        assertFailure(run, 65, mentions: ["ends at byte 43", "without a data chunk"])
    }

    func testWAVWithoutDataChunk() throws {
        // fmt and a whole LIST chunk, then the end: the file was finite and had no audio.
        let list = Array("LIST".utf8) + TestAudio.le32(4) + Array("INFO".utf8)
        var noData = wavHeader(before: list, riffSize: 48)
        noData.removeLast(8)
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(noData))
        assertFailure(run, 65, mentions: ["without a data chunk"])
    }

    func testWAVChunkLengthThatOverflowsSwallowsTheStreamAndIsNamed() throws {
        // A LIST chunk before the data claiming 0xFFFFFFF0 bytes: a pipe cannot seek, so
        // the whole stream is read looking for its end; the error names that chunk.
        let list = Array("LIST".utf8) + TestAudio.le32(0xFFFF_FFF0) + Array("INFO".utf8)
        let input = wavHeader(before: list) + TestAudio.s16(Self.tenSeconds)
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(input))
        assertFailure(run, 65, mentions: ["'LIST' chunk", "4294967280 bytes", "corrupt chunk size"])
    }

    // MARK: Lying sizes

    func testWAVDataSizeLargerThanTheDataProcessesWhatIsThereAndWarns() throws {
        let input = wavHeader(riffSize: 10_000_036, dataSize: 10_000_000) + TestAudio.s16(Self.tenSeconds)
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(input))
        assertSurvived(run, windows: Self.windowsInTenSeconds, warnings: ["truncated"], mentions: ["WAV header promises"])
    }

    func testWAVDataSizeLargerThanTheDataEndingMidFrameWarnsOnce() throws {
        // Stereo S16: the stream ends one byte into a frame, 9 s in; one line says both.
        let stereo = TestAudio.music(seconds: 9, rate: 22050, channels: 2)
        let input = wavHeader(channels: 2, dataSize: 5_000_000) + TestAudio.s16(stereo) + [0x12]
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(input))
        assertSurvived(run, windows: 3, warnings: ["truncated"], mentions: ["dropped 1 trailing bytes"])
    }

    func testAUDataSizeLargerThanTheDataProcessesWhatIsThereAndWarns() throws {
        let input = auHeader(dataSize: 5_000_000) + s16BE(Self.tenSeconds)
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(input))
        assertSurvived(run, windows: Self.windowsInTenSeconds, warnings: ["truncated"], mentions: ["AU header promises"])
    }

    func testWAVFileWithLyingDataSizeIsReadToItsEndByLibsndfile() throws {
        // As a file argument libsndfile reads it: it trusts the file length, quietly.
        let path = try temporaryFile(wavHeader(riffSize: 10_000_036, dataSize: 10_000_000) + TestAudio.s16(Self.tenSeconds), "lying.wav")
        let run = try Binary.run(["--output", "jsonl", path])
        assertSurvived(run, windows: Self.windowsInTenSeconds, source: path)
    }

    // MARK: Impossible rates and channel counts

    func testWAVSampleRateZero() throws {
        let run = try Binary.run([], stdin: Data(wavHeader(rate: 0) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["says 0 Hz", "1000 to 768000 Hz"])
    }

    func testWAVSampleRateOneHertz() throws {
        let run = try Binary.run([], stdin: Data(wavHeader(rate: 1) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["says 1 Hz"])
    }

    func testWAVSampleRateTenMegahertz() throws {
        let run = try Binary.run([], stdin: Data(wavHeader(rate: 10_000_000) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["says 10000000 Hz"])
    }

    func testWAVZeroChannels() throws {
        let run = try Binary.run([], stdin: Data(wavHeader(channels: 0, blockAlign: 2) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["says 0 channels", "1 to 64"])
    }

    func testWAVThousandChannels() throws {
        let run = try Binary.run([], stdin: Data(wavHeader(channels: 1000) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["says 1000 channels"])
    }

    func testAUSampleRateZero() throws {
        let run = try Binary.run([], stdin: Data(auHeader(rate: 0) + s16BE(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["AU header says 0 Hz"])
    }

    // MARK: Unsupported codecs and odd layouts

    func testWAVMicrosoftADPCMIsNotSupported() throws {
        let run = try Binary.run([], stdin: Data(wavHeader(tag: 2, bits: 4, blockAlign: 256) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["codec 0x0002", "ADPCM"])
    }

    func testWAVMPEGLayer3IsNotSupported() throws {
        let run = try Binary.run([], stdin: Data(wavHeader(tag: 0x55, bits: 0, blockAlign: 1) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["codec 0x0055", "MPEG Layer 3"])
    }

    func testWAVExtensibleWithUnknownSubformatGUID() throws {
        let guid: [UInt8] = Array(0..<16)
        let run = try Binary.run([], stdin: Data(wavHeader(tag: 0xFFFE, extensibleGUID: guid) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["extensible subformat GUID", "000102030405060708090a0b0c0d0e0f"])
    }

    func testAUEncoding23IsNotSupported() throws {
        let run = try Binary.run([], stdin: Data(auHeader(encoding: 23) + s16BE(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["AU encoding 23"])
    }

    func testWAVOddBlockAlignment() throws {
        let run = try Binary.run([], stdin: Data(wavHeader(blockAlign: 3) + TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["block align is 3 bytes", "expected 2"])
    }

    func testAUDataOffsetBelowTheHeaderSize() throws {
        let run = try Binary.run([], stdin: Data(auHeader(dataOffset: 8) + s16BE(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["AU data offset is 8"])
    }

    func testAUDataOffsetBeyondTheData() throws {
        // 500000 is within the accepted range, but the stream ends before it.
        let run = try Binary.run([], stdin: Data(auHeader(dataOffset: 500_000) + s16BE(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["ends inside the AU annotation", "500000"])
    }

    func testAUAbsurdDataOffset() throws {
        let run = try Binary.run([], stdin: Data(auHeader(dataOffset: 0x7FFF_FFFF) + s16BE(Self.tenSeconds)))
        assertFailure(run, 65, mentions: ["AU data offset is 2147483647"])
    }

    // MARK: Headers arriving in pieces

    func testWAVHeaderSplitAcrossManyReads() throws {
        // One byte at a time through the RIFF header, a LIST chunk, fmt and data headers.
        let list = Array("LIST".utf8) + TestAudio.le32(5) + Array("INFOx".utf8) + [0]
        let header = wavHeader(before: list)
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(header + TestAudio.s16(Self.tenSeconds)),
                                 trickle: (count: header.count + 7, piece: 1))
        assertSurvived(run, windows: Self.windowsInTenSeconds)
    }

    func testAUHeaderAndAnnotationSplitAcrossManyReads() throws {
        let header = auHeader(annotation: Array("annotation here\0".utf8))
        XCTAssertEqual(header.count, 40)
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(header + s16BE(Self.tenSeconds)),
                                 trickle: (count: header.count + 3, piece: 3))
        assertSurvived(run, windows: Self.windowsInTenSeconds)
    }

    // MARK: Raw streams

    func testRawS16WithAnOddByteCountDropsThePartialFrameWithOneWarning() throws {
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(TestAudio.s16(Self.tenSeconds) + [0x55]))
        assertSurvived(run, windows: Self.windowsInTenSeconds, warnings: ["dropped 1 trailing bytes"], mentions: ["2 bytes per frame"])
    }

    func testRawStereoS24CutMidFrameKeepsEveryWholeWindow() throws {
        // 44.1 kHz stereo S24_3LE, 10 s, cut 4 bytes into the last 6-byte frame.
        let stereo = TestAudio.music(seconds: 10, rate: 44100, channels: 2)
        let bytes = stereo.flatMap { s -> [UInt8] in
            let v = Int32(max(-8_388_608, min(8_388_607, (s * 8_388_608).rounded())))
            return [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v >> 16)]
        }
        let run = try Binary.run(["--output", "jsonl", "-f", "S24_3LE", "-r", "44100", "-c", "2"],
                                 stdin: Data(bytes.dropLast(2)))
        assertSurvived(run, windows: Self.windowsInTenSeconds, warnings: ["dropped 4 trailing bytes"], mentions: ["6 bytes per frame"])
    }

    func testRandomBytesAreClassifiedAsRawPCM() throws {
        var rng = SeededRandom(seed: 5)
        // Whatever the first four bytes are, they must not read as "RIFF", "RF64" or ".snd".
        let bytes = (0..<(22050 * 2 * 7)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(bytes))
        let objects = assertSurvived(run, windows: 2)
        XCTAssertFalse(objects.contains { $0["label"] as? String == "silence" }, "white noise is loud")
    }

    func testZeroByteInputEndsQuietlyWithOneWarning() throws {
        let run = try Binary.run(["--output", "jsonl"], stdin: Data())
        assertSurvived(run, windows: 0, warnings: ["ended before half a window"])
    }

    func testOneByteInputWarnsAboutTheByteAndTheMissingWindow() throws {
        // Two distinct oddities, two warnings: the stray byte and no window at all.
        let run = try Binary.run(["--output", "jsonl"], stdin: Data([0x7F]))
        assertSurvived(run, windows: 0, warnings: ["dropped 1 trailing bytes", "ended before half a window"])
    }

    // MARK: Odd sample values

    func testNaNInfinityAndDenormalsInRawFloatAreReplacedWithOneWarning() throws {
        let run = try Binary.run(["--output", "jsonl", "-f", "FLOAT_LE"], stdin: Data(TestAudio.f32(poisoned(Self.tenSeconds))))
        let objects = assertSurvived(run, windows: Self.windowsInTenSeconds, warnings: ["NaN, infinite"], mentions: ["replaced"])
        XCTAssertFalse(objects.contains { $0["label"] as? String == "silence" }, "the music is still heard")
    }

    func testNaNInfinityAndDenormalsInFloatWAVAreReplacedWithOneWarning() throws {
        let input = wavHeader(tag: 3, bits: 32) + TestAudio.f32(poisoned(Self.tenSeconds))
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(input))
        assertSurvived(run, windows: Self.windowsInTenSeconds, warnings: ["NaN, infinite"], mentions: ["replaced"])
    }

    func testOnlyDenormalsAreSilenceWithoutWarning() throws {
        let denormals = [Float](repeating: Float.leastNormalMagnitude / 1000, count: 22050 * 7)
        XCTAssertTrue(denormals[0].isSubnormal)
        let run = try Binary.run(["--output", "jsonl", "-f", "FLOAT_LE"], stdin: Data(TestAudio.f32(denormals)))
        let objects = assertSurvived(run, windows: 2)
        XCTAssertEqual(objects.map { $0["label"] as? String }, ["silence", "silence"])
    }

    func testFullScaleSquareWaveReadsZeroDBFS() throws {
        let square = (0..<(22050 * 7)).map { i -> Float in (i / 50) % 2 == 0 ? 1 : -1 }
        let run = try Binary.run(["--output", "jsonl", "-f", "FLOAT_LE"], stdin: Data(TestAudio.f32(square)))
        let objects = assertSurvived(run, windows: 2)
        for (i, o) in objects.enumerated() {
            XCTAssertEqual(o["level_dbfs"] as? Double ?? .nan, 0, accuracy: 0.2, "window \(i): a full-scale square wave")
        }
    }

    func testDCOffsetPlusMusicIsClassified() throws {
        let shifted = TestAudio.music(seconds: 7, rate: 22050).map { $0 + 0.5 }
        let run = try Binary.run(["--output", "jsonl", "-f", "FLOAT_LE"], stdin: Data(TestAudio.f32(shifted)))
        let objects = assertSurvived(run, windows: 2)
        for (i, o) in objects.enumerated() {
            XCTAssertNotEqual(o["label"] as? String, "silence", "window \(i)")
            XCTAssertGreaterThan(o["level_dbfs"] as? Double ?? -.infinity, -7, "window \(i): the offset counts in the level")
        }
    }

    func testPureSilenceIsLabelledSilence() throws {
        let run = try Binary.run(["--output", "jsonl"], stdin: Data(count: 22050 * 2 * 7))
        let objects = assertSurvived(run, windows: 2)
        for (i, o) in objects.enumerated() {
            XCTAssertEqual(o["label"] as? String, "silence", "window \(i)")
            XCTAssertTrue(o["probabilities"] is NSNull, "window \(i): no network output for silence")
        }
    }

    // MARK: Files

    func testFileArgumentThatIsADirectory() throws {
        let run = try Binary.run(["--output", "jsonl", FileManager.default.temporaryDirectory.path])
        assertFailure(run, 66, mentions: ["is a directory"])
    }

    func testFilePathThatCannotBeOpened() throws {
        // Tests run as root, so a chmod 000 file would still open: a path through a file does not.
        let run = try Binary.run(["--output", "jsonl", "/etc/passwd/x"])
        assertFailure(run, 66, mentions: ["/etc/passwd/x", "Not a directory"])
    }

    func testMissingFile() throws {
        let run = try Binary.run(["--output", "jsonl", "/nonexistent/song.flac"])
        assertFailure(run, 66, mentions: ["/nonexistent/song.flac", "No such file"])
    }

    func testTextFileIsNotAudio() throws {
        let path = try temporaryFile(Array(String(repeating: "not audio, just text\n", count: 200).utf8), "notes.txt")
        let run = try Binary.run(["--output", "jsonl", path])
        assertFailure(run, 65, mentions: [path, "not recognised"])
    }

    /// What libsndfile 1.2 (with libmpg123) does with garbage inside an MP3: libmpg123
    /// looks for the next frame header for up to 1024 bytes. Beyond that it gives up,
    /// `sf_readf_float` returns 0 with an error set, and the engine exits 65 after the
    /// lines for the audio before the garbage. A shorter run of garbage resyncs, but
    /// libsndfile then ends the file there without an error: exit 0, the rest of the
    /// file unheard. libmpg123's own notes ("Trying to resync...") are kept off stderr.
    func testMP3WithLongGarbageInTheMiddleFailsAfterItsFirstWindow() throws {
        let path = try temporaryFile(try mp3WithGarbage(count: 4000), "garbage.mp3")
        let run = try Binary.run(["--output", "jsonl", path])
        assertFailure(run, 65, mentions: [path, "decoding failed after 3.", "s:"])
        let objects = assertWindows(run, count: 1, source: path)
        XCTAssertEqual(objects.first?["partial"] as? Bool, false, "the window before the garbage is whole")
    }

    func testAnInputThatFailsStillGetsItsSummary() throws {
        let path = try temporaryFile(try mp3WithGarbage(count: 4000), "garbage.mp3")
        let run = try Binary.run(["--output", "jsonl", "--summary", "stderr", path])
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertEqual(run.stderrLines.count, 2, "the summary of what was done, then the error that ended it: \(run.stderr)")
        XCTAssertTrue(run.stderrLines[1].hasPrefix("genre-stream: error: input format error: "), run.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(run.stderrLines[0].utf8)) as? [String: Any]
        XCTAssertEqual(summary?["windows"] as? Int, 1, "the window before the garbage")
        XCTAssertEqual(summary?["final"] as? Bool, true)
    }

    func testMP3WithShortGarbageInTheMiddleEndsQuietlyThere() throws {
        let path = try temporaryFile(try mp3WithGarbage(count: 500), "garbage.mp3")
        let run = try Binary.run(["--output", "jsonl", path])
        assertSurvived(run, windows: 1, source: path)
    }

    func testTruncatedMP3EndsQuietlyWithoutLibmpg123Chatter() throws {
        let mp3 = try fixture("hungarian_dance_6.5s.mp3")
        let path = try temporaryFile(Array(mp3.prefix(mp3.count / 2)), "cut.mp3")
        let run = try Binary.run(["--output", "jsonl", path])
        // libmpg123 warns that the Xing header's size is off; that must not reach stderr.
        assertSurvived(run, windows: 1, source: path)
    }

    func testTruncatedFLACFailsAfterTheWindowsBeforeTheCut() throws {
        let flac = try fixture("hungarian_dance_6.5s.flac")
        let path = try temporaryFile(Array(flac.prefix(300_000)), "cut.flac")
        let run = try Binary.run(["--output", "jsonl", path])
        assertFailure(run, 65, mentions: [path, "decoding failed", "lost sync"])
        assertWindows(run, count: 1, source: path)
    }

    func testSeveralFilesWhereTheMiddleOneIsNotAudio() throws {
        let good = Fixtures.path("hungarian_dance_6.5s.flac")
        let text = try temporaryFile(Array("hello\n".utf8), "middle.txt")
        let run = try Binary.run(["--output", "jsonl", good, text, good])
        assertFailure(run, 65, mentions: [text, "not recognised"])
        let objects = assertWindows(run, count: 4)
        XCTAssertEqual(objects.map { $0["source"] as? String }, [good, good, good, good])
        XCTAssertEqual(objects.map { $0["window"] as? Int }, [0, 1, 0, 1], "the third file starts its own windows")
    }

    func testSeveralFilesReportTheFirstFailureAndProcessTheRest() throws {
        let good = Fixtures.path("hungarian_dance_6.5s.mp3")
        let missing = "/nonexistent/first.wav"
        let directory = FileManager.default.temporaryDirectory.path
        let run = try Binary.run(["--output", "jsonl", missing, good, directory])
        XCTAssertEqual(run.status, 66, "the first failure's code: \(run.stderr)")
        XCTAssertEqual(run.stderrLines.count, 2, "one line per bad file: \(run.stderr)")
        XCTAssertTrue(run.stderrLines.first?.contains(missing) ?? false, run.stderr)
        XCTAssertTrue(run.stderrLines.last?.contains("is a directory") ?? false, run.stderr)
        assertWindows(run, count: 2, source: good)
    }

    func testSeveralFilesWhereAnUndecodableOneComesFirstExit65() throws {
        let good = Fixtures.path("hungarian_dance_6.5s.flac")
        let garbage = try temporaryFile(try mp3WithGarbage(count: 4000), "garbage.mp3")
        let run = try Binary.run(["--output", "jsonl", garbage, "/nonexistent/later.wav", good])
        XCTAssertEqual(run.status, 65, "the first failure's code: \(run.stderr)")
        XCTAssertEqual(run.stderrLines.count, 2, "one line per bad file: \(run.stderr)")
        let objects = assertWindows(run, count: 3)
        XCTAssertEqual(objects.map { $0["source"] as? String }, [garbage, good, good])
    }

    // MARK: Model files

    func testTruncatedModelFile() throws {
        let model = try ModelFileEditing.fixtureBytes
        let run = try runWithModel(Array(model.prefix(model.count - 100)))
        assertFailure(run, 78, mentions: ["checksum mismatch", "truncated"])
    }

    func testModelFileWithWrongChecksum() throws {
        var model = try ModelFileEditing.fixtureBytes
        model[model.count - 7] ^= 0x10
        let run = try runWithModel(model)
        assertFailure(run, 78, mentions: ["checksum mismatch"])
    }

    func testModelFileWithNewerVersion() throws {
        var model = try ModelFileEditing.fixtureBytes
        model[4] = 4
        let run = try runWithModel(model)
        assertFailure(run, 78, mentions: ["version 4", "newer"])
    }

    func testModelFileWithMissingTensor() throws {
        let model = try ModelFileEditing.withHeader { h in
            h["tensors"] = (h["tensors"] as! [[String: Any]]).filter { $0["name"] as? String != "fc1.weight" }
        }
        let run = try runWithModel(model)
        assertFailure(run, 78, mentions: ["tensor fc1.weight", "missing"])
    }

    func testModelFileWithMisShapedTensor() throws {
        let model = try ModelFileEditing.withHeader { h in
            var tensors = h["tensors"] as! [[String: Any]]
            tensors[0]["shape"] = [4, 1, 5, 5]
            h["tensors"] = tensors
        }
        let run = try runWithModel(model)
        assertFailure(run, 78, mentions: ["conv1.weight", "[4, 1, 5, 5]", "expected [4, 1, 3, 3]"])
    }

    func testEmptyModelFile() throws {
        let run = try runWithModel([])
        assertFailure(run, 78, mentions: ["0 bytes", "preamble"])
    }

    func testModelPathThatIsADirectory() throws {
        let directory = FileManager.default.temporaryDirectory.path
        let run = try Binary.run(["--model", directory], stdin: Data(TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 78, mentions: [directory, "not a regular file"])
    }

    func testModelFileThatDoesNotExist() throws {
        let run = try Binary.run(["--model", "/nonexistent/model.gsm"], stdin: Data(TestAudio.s16(Self.tenSeconds)))
        assertFailure(run, 78, mentions: ["/nonexistent/model.gsm", "No such file"])
    }

    func testTheUnmodifiedFixtureModelRuns() throws {
        // The control for the model cases above: the edits, not the fixture, are what fail.
        let run = try runWithModel(try ModelFileEditing.fixtureBytes)
        assertSurvived(run, windows: Self.windowsInTenSeconds)
    }

    // MARK: Command line

    func testUnknownFormatName() throws {
        let run = try Binary.run(["-f", "S17_LE"], stdin: Data(TestAudio.s16(Self.tenSeconds)))
        try assertUsageError(run, mentions: ["S17_LE"])
    }

    func testDeviceWithFilesIsContradictory() throws {
        let run = try Binary.run(["--device", "default", Fixtures.path("hungarian_dance_6.5s.flac")])
        try assertUsageError(run, mentions: ["--device", "files"])
    }

    func testRawRateOfZero() throws {
        let run = try Binary.run(["-r", "0"], stdin: Data(TestAudio.s16(Self.tenSeconds)))
        try assertUsageError(run, mentions: ["--rate 0"])
    }

    func testRawChannelCountOfAThousand() throws {
        let run = try Binary.run(["-c", "1000"], stdin: Data(TestAudio.s16(Self.tenSeconds)))
        try assertUsageError(run, mentions: ["--channels 1000"])
    }

    /// A setting of one decision mode given with another is named, not silently ignored.
    func testDecisionSettingsBelongToTheirMode() throws {
        let audio = Data(TestAudio.s16(Self.tenSeconds))
        try assertUsageError(try Binary.run(["--smooth", "hmm", "--lag-seconds", "6"], stdin: audio),
                             mentions: ["--lag-seconds", "--smooth songs", "--smooth hmm"])
        try assertUsageError(try Binary.run(["--smooth", "off", "--change-nats", "4"], stdin: audio),
                             mentions: ["--change-nats", "--smooth off"])
        try assertUsageError(try Binary.run(["--evidence-weight", "0.5", "--smooth", "songs"], stdin: audio),
                             mentions: ["--evidence-weight", "--smooth hmm"])
        try assertUsageError(try Binary.run(["--lag-seconds", "121"], stdin: audio), mentions: ["--lag-seconds", "120"])
        try assertUsageError(try Binary.run(["--smooth", "fast"], stdin: audio), mentions: ["'fast'", "songs, hmm or off"])
    }

    func testNameIsOneStreamsPrintableName() throws {
        let audio = Data(TestAudio.s16(Self.tenSeconds))
        try assertUsageError(try Binary.run(["--name", ""], stdin: audio), mentions: ["--name", "1 to 100"])
        try assertUsageError(try Binary.run(["--name", "a\tb"], stdin: audio), mentions: ["--name", "control"])
        let flac = Fixtures.path("hungarian_dance_6.5s.flac")
        try assertUsageError(try Binary.run(["--name", "x", flac, flac]), mentions: ["--name", "2 files"])
    }

    func testHopLongerThanTheWindow() throws {
        let run = try Binary.run(["--hop-seconds", "10"], stdin: Data(TestAudio.s16(Self.tenSeconds)))
        try assertUsageError(run, mentions: ["--hop-seconds 10"])
    }

    // MARK: Assertions

    /// An error: the code, one stderr line naming the problem, and nothing half-written on stdout.
    private func assertFailure(_ run: BinaryRun, _ code: Int32, mentions words: [String],
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, code, "exit code; stderr: \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stderrLines.count, 1, "one stderr line: \(run.stderr)", file: file, line: line)
        XCTAssertTrue(run.stderr.hasPrefix("genre-stream: "), "starts with the program name: \(run.stderr)", file: file, line: line)
        for word in words {
            XCTAssertTrue(run.stderr.contains(word), "stderr should name '\(word)': \(run.stderr)", file: file, line: line)
        }
        XCTAssertTrue(run.stdout.isEmpty || run.stdout.hasSuffix("\n"), "the last line is complete", file: file, line: line)
    }

    /// A usage error (64): one `genre-stream:` line, as the README promises for every error
    /// (swift-argument-parser's own message is three lines: the error, the usage, a hint).
    private func assertUsageError(_ run: BinaryRun, mentions words: [String],
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertTrue(run.stdout.isEmpty, "no lines: \(run.stdout)", file: file, line: line)
        assertFailure(run, 64, mentions: words, file: file, line: line)
    }

    /// A survivable oddity: exit 0, one warning line per entry of `warnings` (each
    /// containing it, in order), `mentions` somewhere on stderr, and the window lines.
    @discardableResult
    private func assertSurvived(_ run: BinaryRun, windows: Int, warnings: [String] = [], mentions: [String] = [],
                                source: String = "stdin", file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        XCTAssertEqual(run.status, 0, "exit code; stderr: \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stderrLines.count, warnings.count, "warning lines: \(run.stderr)", file: file, line: line)
        for (warning, word) in zip(run.stderrLines, warnings) {
            XCTAssertTrue(warning.hasPrefix("genre-stream: "), "a diagnostic of ours: \(warning)", file: file, line: line)
            XCTAssertTrue(warning.contains(word), "warning should say '\(word)': \(warning)", file: file, line: line)
        }
        for word in mentions {
            XCTAssertTrue(run.stderr.contains(word), "stderr should say '\(word)': \(run.stderr)", file: file, line: line)
        }
        return assertWindows(run, count: windows, source: source, file: file, line: line)
    }

    /// Every stdout line is one complete JSONL window object with finite numbers, in order.
    @discardableResult
    private func assertWindows(_ run: BinaryRun, count: Int, source: String? = nil,
                               file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        XCTAssertEqual(run.lines.count, count, "window lines: \(run.stdout)", file: file, line: line)
        XCTAssertTrue(run.stdout.isEmpty || run.stdout.hasSuffix("\n"), "the last line is complete", file: file, line: line)
        var objects: [[String: Any]] = []
        for (i, text) in run.lines.enumerated() {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                XCTFail("line \(i) is not a JSON object: \(text)", file: file, line: line)
                continue
            }
            objects.append(object)
            let label = object["label"] as? String
            XCTAssertNotNil(label, "line \(i) has a label: \(text)", file: file, line: line)
            if let source { XCTAssertEqual(object["source"] as? String, source, "line \(i)", file: file, line: line) }
            XCTAssertNotNil(object["window"] as? Int, "line \(i) has a window index", file: file, line: line)
            for key in ["start", "end", "level_dbfs"] {
                XCTAssertTrue((object[key] as? Double)?.isFinite ?? false, "line \(i): \(key) is a finite number: \(text)",
                              file: file, line: line)
            }
            XCTAssertNotNil(object["partial"] as? Bool, "line \(i)", file: file, line: line)
            XCTAssertEqual(object["gaps"] as? Int, 0, "line \(i)", file: file, line: line)
            if label == "silence" {
                XCTAssertTrue(object["probabilities"] is NSNull, "line \(i): silence has no probabilities", file: file, line: line)
                continue
            }
            XCTAssertTrue(Self.labels.contains(label ?? ""), "line \(i): a genre: \(text)", file: file, line: line)
            for key in ["confidence", "raw_confidence"] {
                let value = object[key] as? Double ?? .nan
                XCTAssertTrue(value.isFinite && value >= 0 && value <= 1, "line \(i): \(key) in [0, 1]: \(text)", file: file, line: line)
            }
            let probabilities = object["probabilities"] as? [String: Double] ?? [:]
            XCTAssertEqual(Set(probabilities.keys), Set(Self.labels), "line \(i): every genre", file: file, line: line)
            XCTAssertTrue(probabilities.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, "line \(i): \(text)", file: file, line: line)
            XCTAssertEqual(probabilities.values.reduce(0, +), 1, accuracy: 0.002, "line \(i) sums to 1", file: file, line: line)
        }
        let indices = objects.compactMap { $0["window"] as? Int }
        if source != nil {
            XCTAssertEqual(indices, Array(0..<indices.count), "windows numbered from 0 without gaps", file: file, line: line)
        }
        return objects
    }

    // MARK: Input makers

    /// A WAV header whose every field can be made to lie; `before` goes between the
    /// fmt and data chunks. The default is arecord's streaming header for S16 mono at 22050 Hz.
    private func wavHeader(tag: Int = 1, channels: Int = 1, rate: UInt32 = 22050, bits: Int = 16, blockAlign: Int? = nil,
                           extensibleGUID: [UInt8]? = nil, before: [UInt8] = [],
                           riffSize: UInt32 = 0x7FFF_FFFF, dataSize: UInt32 = 0x7FFF_FFFF) -> [UInt8] {
        let align = blockAlign ?? channels * bits / 8
        var fmt = TestAudio.le16(tag) + TestAudio.le16(channels) + TestAudio.le32(rate)
        fmt += TestAudio.le32(UInt32(truncatingIfNeeded: Int(rate) * align)) + TestAudio.le16(align) + TestAudio.le16(bits)
        if let guid = extensibleGUID {
            fmt += TestAudio.le16(22) + TestAudio.le16(bits) + TestAudio.le32(4) + guid
        }
        var h = Array("RIFF".utf8) + TestAudio.le32(riffSize) + Array("WAVE".utf8)
        h += Array("fmt ".utf8) + TestAudio.le32(UInt32(fmt.count)) + fmt + before
        h += Array("data".utf8) + TestAudio.le32(dataSize)
        return h
    }

    /// A Sun AU header: S16 big-endian mono at 22050 Hz, unknown length, unless told
    /// otherwise. The data offset is where the annotation ends unless given (to lie).
    private func auHeader(dataOffset: UInt32? = nil, dataSize: UInt32 = 0xFFFF_FFFF, encoding: UInt32 = 3,
                          rate: UInt32 = 22050, channels: UInt32 = 1, annotation: [UInt8] = []) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let offset = dataOffset ?? UInt32(24 + annotation.count)
        return Array(".snd".utf8) + be32(offset) + be32(dataSize) + be32(encoding) + be32(rate) + be32(channels) + annotation
    }

    /// Big-endian 16-bit samples, as AU stores them.
    private func s16BE(_ samples: [Float]) -> [UInt8] {
        var bytes = TestAudio.s16(samples)
        for i in stride(from: 0, to: bytes.count - 1, by: 2) { bytes.swapAt(i, i + 1) }
        return bytes
    }

    /// Music with a NaN, a +Inf, a -Inf and a denormal in every 1000 samples.
    private func poisoned(_ music: [Float]) -> [Float] {
        var out = music
        for i in stride(from: 0, to: out.count - 700, by: 1000) {
            out[i] = .nan
            out[i + 300] = Float.leastNormalMagnitude / 1000  // subnormal
            out[i + 500] = .infinity
            out[i + 700] = -.infinity
        }
        return out
    }

    /// The 6.5-s MP3 fixture with `count` seeded random bytes inserted at its middle
    /// (3.3 s in: after the first whole window).
    private func mp3WithGarbage(count: Int) throws -> [UInt8] {
        let mp3 = try fixture("hungarian_dance_6.5s.mp3")
        var rng = SeededRandom(seed: 3)
        let garbage = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let middle = mp3.count / 2
        return Array(mp3[..<middle]) + garbage + Array(mp3[middle...])
    }

    private func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
    }

    private func runWithModel(_ model: [UInt8]) throws -> BinaryRun {
        let path = try temporaryFile(model, "model.gsm")
        return try Binary.run(["--output", "jsonl", "--model", path], stdin: Data(TestAudio.s16(Self.tenSeconds)))
    }

    private func temporaryFile(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = try ModelFileEditing.temporaryFile(bytes, name: name)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

import Foundation
import XCTest

/// The command line around the engine: the help screen, mistyped commands,
/// journald priority prefixes, completion scripts and the install script.
final class CommandLineTests: XCTestCase {
    func testHelpShowsTheClassifyOptionsAndTheCommands() throws {
        for arguments in [["--help"], ["-h"], ["help"]] {
            let run = try Binary.run(arguments)
            XCTAssertEqual(run.status, 0, "\(arguments)")
            for word in ["--output", "--model", "--device", "--version", "SUBCOMMANDS:", "features", "bench", "models"] {
                XCTAssertTrue(run.stdout.contains(word), "\(arguments): no \(word) in\n\(run.stdout)")
            }
            XCTAssertTrue(run.stdout.contains("USAGE: genre-stream [classify]"), run.stdout)
        }
    }

    func testOtherHelpAndVersionAreTheParsers() throws {
        let features = try Binary.run(["help", "features"])
        XCTAssertEqual(features.status, 0)
        XCTAssertTrue(features.stdout.contains("USAGE: genre-stream features"), features.stdout)
        XCTAssertFalse(features.stdout.contains("SUBCOMMANDS:"), features.stdout)
        XCTAssertEqual(try Binary.run(["features", "--help"]).stdout, features.stdout)
        let version = try Binary.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("genre-stream "), version.stdout)
        let bad = try Binary.run(["--no-such-option"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertEqual(bad.stderrLines.count, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.hasPrefix("genre-stream: error: usage error: "), bad.stderr)
    }

    func testAMistypedCommandIsAUsageErrorWithAHint() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        for (typo, command) in [("modles", "models"), ("featurs", "features"), ("bnech", "bench"), ("clasify", "classify")] {
            let run = try runWithStderr([typo], stderr: stderrURL, journalStream: nil, directory: directory)
            XCTAssertEqual(run.status, 64, "\(typo): \(run.stderr)")
            XCTAssertEqual(run.stderr,
                           "genre-stream: error: usage error: no file '\(typo)' and no such command; did you mean 'genre-stream \(command)'?\n")
            XCTAssertEqual(run.stdout, "")
        }
        // Far from every command, or with an extension: a file that does not exist (66).
        for name in ["concert", "modles.wav"] {
            let run = try runWithStderr([name], stderr: stderrURL, journalStream: nil, directory: directory)
            XCTAssertEqual(run.status, 66, "\(name): \(run.stderr)")
        }
    }

    func testAnExistingFileNamedLikeACommandIsReadAsAFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let wav = TestAudio.streamingWAVHeader(rate: 22050, channels: 1, bits: 16, size: UInt32(22050 * 2 * 4))
            + TestAudio.s16(TestAudio.music(seconds: 4, rate: 22050))
        for name in ["modles", "models"] {
            try Data(wav).write(to: directory.appendingPathComponent(name))
        }
        // A near miss that exists is a file; `models` itself is the command unless
        // it is not first (`--model small models`, `./models`, `classify models`).
        let stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        for arguments in [["modles"], ["--model", "small", "models"], ["./models"], ["classify", "--model", "small", "models"]] {
            let run = try runWithStderr(arguments, stderr: stderrURL, journalStream: nil, directory: directory)
            XCTAssertEqual(run.status, 0, "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stdout.split(separator: "\n").count, 1, "\(arguments): \(run.stdout)")
        }
    }

    /// With JOURNAL_STREAM naming stderr (as systemd sets it), every diagnostic
    /// starts with its sd-daemon priority; otherwise with `genre-stream:`.
    func testDiagnosticsCarryJournalPrioritiesOnlyWhenStderrIsTheJournal() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        var status = stat()
        XCTAssertEqual(stat(stderrURL.path, &status), 0)
        let journal = "\(status.st_dev):\(status.st_ino)"
        // A file that does not exist (an error), then an empty stdin (a warning), then its summary (info).
        let arguments = ["--model", "small", directory.appendingPathComponent("missing.wav").path, "-"]

        let inJournal = try runWithStderr(arguments, stderr: stderrURL, journalStream: journal)
        XCTAssertEqual(inJournal.status, 66)
        XCTAssertEqual(inJournal.lines.count, 3, inJournal.stderr)
        XCTAssertTrue(inJournal.lines[0].hasPrefix("<3>error: "), inJournal.stderr)
        XCTAssertTrue(inJournal.lines[1].hasPrefix("<4>warning: "), inJournal.stderr)
        XCTAssertTrue(inJournal.lines[2].hasPrefix("<6>info: summary of stdin: "), inJournal.stderr)

        for journalStream in [nil, "\(status.st_dev):\(status.st_ino &+ 1)"] {
            let plain = try runWithStderr(arguments, stderr: stderrURL, journalStream: journalStream)
            XCTAssertEqual(plain.status, 66)
            XCTAssertEqual(plain.lines.count, 3, plain.stderr)
            XCTAssertTrue(plain.lines[0].hasPrefix("genre-stream: error: "), plain.stderr)
            XCTAssertTrue(plain.lines[1].hasPrefix("genre-stream: warning: "), plain.stderr)
            XCTAssertTrue(plain.lines[2].hasPrefix("genre-stream: info: summary of stdin: "), plain.stderr)
        }
    }

    /// No input named and stdin the null device (a systemd unit with neither STREAM_URL
    /// nor --device): a usage error, which the unit does not restart, not an empty run
    /// that exits 0 and is restarted every 5 s for ever. `-` still reads it as asked.
    func testStdinFromDevNullWithNoInputNamedIsAUsageError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let refused = try runWithStderr(["--model", "small"], stderr: stderrURL, journalStream: nil)
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertEqual(refused.lines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("stdin is /dev/null and no input is named"), refused.stderr)
        XCTAssertEqual(refused.stdout, "")
        let asked = try runWithStderr(["--model", "small", "-"], stderr: stderrURL, journalStream: nil)
        XCTAssertEqual(asked.status, 0, asked.stderr)
    }

    func testCompletionScripts() throws {
        let bash = try Binary.run(["--generate-completion-script", "bash"])
        XCTAssertEqual(bash.status, 0, bash.stderr)
        XCTAssertTrue(bash.stdout.contains("--output"))
        XCTAssertTrue(bash.stdout.contains("complete -o filenames -F _genre-stream genre-stream"), bash.stdout)
        for shell in ["zsh", "fish"] {
            let run = try Binary.run(["--generate-completion-script", shell])
            XCTAssertEqual(run.status, 0, "\(shell): \(run.stderr)")
            XCTAssertTrue(run.stdout.contains("--output"), shell)
        }
    }

    /// scripts/install.sh with the binary under test into a DESTDIR. The man page
    /// needs swift-argument-parser's generate-manual tool built beside the binary
    /// (`swift build --product generate-manual`; scripts/check-contrib.sh builds it):
    /// the test cannot build it, SwiftPM's lock on .build is held by `swift test`.
    func testInstallScriptIntoADestdir() throws {
        let tool = Binary.url.deletingLastPathComponent().appendingPathComponent("generate-manual")
        guard FileManager.default.isExecutableFile(atPath: tool.path) else {
            throw XCTSkip("no \(tool.path): run `swift build --product generate-manual` first")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strip") else { throw XCTSkip("no strip") }
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Binary.repositoryRoot.appendingPathComponent("scripts/install.sh").path,
                             "--binary", Binary.url.path, "--manual-tool", tool.path,
                             "--destdir", root.path, "--prefix", "/usr", "--with-systemd"]
        let log = root.appendingPathComponent("install.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, output)
        for file in ["usr/bin/genre-stream", "usr/share/man/man1/genre-stream.1",
                     "usr/share/bash-completion/completions/genre-stream", "usr/share/zsh/site-functions/_genre-stream",
                     "usr/share/fish/vendor_completions.d/genre-stream.fish",
                     "etc/systemd/system/genre-stream@.service", "etc/genre-stream/example.conf"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(file).path)[.size] as? Int) ?? nil
            XCTAssertGreaterThan(size ?? 0, 0, "\(file) not installed:\n\(output)")
        }
        let page = (try? String(contentsOf: root.appendingPathComponent("usr/share/man/man1/genre-stream.1"), encoding: .utf8)) ?? ""
        XCTAssertTrue(page.contains(".Dt GENRE-STREAM 1") && page.contains("Fl -output"), page)
        let unit = (try? String(contentsOf: root.appendingPathComponent("etc/systemd/system/genre-stream@.service"), encoding: .utf8)) ?? ""
        XCTAssertTrue(unit.contains("exec /usr/bin/genre-stream "), "ExecStart names PREFIX/bin/genre-stream")
        let installed = try runInstalled(root.appendingPathComponent("usr/bin/genre-stream"), ["--version"])
        XCTAssertEqual(installed, 0, "the stripped binary runs")
    }

    // MARK: - Helpers

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gs-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs the binary with exactly `arguments` (no `--model small` put first: the
    /// first argument is what these tests are about), stderr on the given file
    /// (emptied first), JOURNAL_STREAM set or removed, in `directory` (default:
    /// the test's); returns the exit status, stderr's lines, stderr and stdout.
    private func runWithStderr(_ arguments: [String], stderr: URL, journalStream: String?, directory: URL? = nil) throws
        -> (status: Int32, lines: [String], stderr: String, stdout: String) {
        try FileHandle(forWritingTo: stderr).truncate(atOffset: 0)  // in place: the inode JOURNAL_STREAM names stays
        let stdoutURL = stderr.deletingLastPathComponent().appendingPathComponent("stdout-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: stdoutURL) }
        let process = Process()
        if let directory { process.currentDirectoryURL = directory }
        var (executable, fullArguments) = Binary.command(arguments)
        let added = Binary.withModel(arguments).count - arguments.count
        fullArguments.removeSubrange(fullArguments.count - arguments.count - added ..< fullArguments.count - arguments.count)
        process.executableURL = executable
        process.arguments = fullArguments
        var environment = ProcessInfo.processInfo.environment
        environment["JOURNAL_STREAM"] = journalStream
        process.environment = environment
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: try Data(contentsOf: stderr), as: UTF8.self)
        return (process.terminationStatus, text.split(separator: "\n").map(String.init), text,
                String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self))
    }

    private func runInstalled(_ binary: URL, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

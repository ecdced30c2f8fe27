import ArgumentParser
import Engine
import Report

#if canImport(Glibc)
import Glibc
#endif

@main
struct GenreStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genre-stream",
        abstract: "Tells which genre of music is playing, one line per 3-second window.",
        discussion: """
            Reads stdin (WAV, Sun AU, raw PCM, or FLAC, Ogg, MP3, AIFF and Wave64 decoded from \
            the pipe), an ALSA capture device, or audio files, \
            and prints the smoothed genre, its confidence and the per-genre probabilities \
            for every window. Without a command it classifies (the 'classify' command); \
            'genre-stream help <subcommand>' describes the others.
            """,
        version: "genre-stream 0.1.0",
        subcommands: [Classify.self, Features.self, Bench.self, Models.self],
        defaultSubcommand: Classify.self
    )

    /// The parser's own `main`, except that a usage error is one `genre-stream:`
    /// line (the README's promise for every error) instead of the parser's error,
    /// usage and hint lines. `--help` alone shows the classify options too
    /// (`RootHelp`), and a mistyped command is a usage error rather than a file
    /// that cannot be opened (`SubcommandTypo`). Other help, version and a run's
    /// own exit codes are unchanged.
    static func main() {
        if let code = helpOrTypo() { Glibc.exit(code) }
        let command: ParsableCommand
        switch parse() {
        case .success(let parsed):
            command = parsed
        case .failure(let early):
            early.report()
            Glibc.exit(early.code)
        }
        Glibc.exit(exitStatus(of: command))
    }

    /// `--help` alone, or a mistyped command: the exit code once handled, nil otherwise.
    /// A function of its own so that the argument array is released before any exit
    /// (valgrind counts a block only a dead stack slot pointed to as definitely lost).
    private static func helpOrTypo() -> Int32? {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if RootHelp.isRequested(by: arguments) {
            print(RootHelp.text())
            return 0
        }
        if let intended = SubcommandTypo.intendedCommand(arguments, commands: { commandNames }) {
            EarlyExit(text: "no file '\(arguments[0])' and no such command; did you mean '\(configuration.commandName!) \(intended)'?",
                      code: ExitCode.validationFailure.rawValue).report()
            return ExitCode.validationFailure.rawValue
        }
        return nil
    }

    /// What can come first on the command line instead of a file.
    static var commandNames: [String] {
        configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// A usage error, as plain text and an exit code.
    struct EarlyExit: Error {
        var text: String
        var code: Int32

        func report() {
            Diagnostics.error("usage error: " + text.split(whereSeparator: \.isNewline).joined(separator: "; "))
        }
    }

    /// Parses the command line. The parser's error is turned into plain text
    /// here, so that nothing it allocated is still held when the process exits
    /// (valgrind's leak check runs on every exit path).
    private static func parse() -> Result<ParsableCommand, EarlyExit> {
        do {
            return .success(try parseAsRoot())
        } catch {
            // Help, version and the parser's other exits keep its own output.
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            return .failure(EarlyExit(text: message(for: error), code: ExitCode.validationFailure.rawValue))
        }
    }

    private static func exitStatus(of command: ParsableCommand) -> Int32 {
        var command = command
        do {
            try command.run()
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            // `help` and `--help` arrive here as a clean-exit request: the parser prints them.
            exit(withError: error)
        }
    }
}

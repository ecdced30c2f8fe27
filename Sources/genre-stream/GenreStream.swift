import ArgumentParser
import Engine

@main
struct GenreStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genre-stream",
        abstract: "Tells which genre of music is playing, one line per 3-second window.",
        discussion: """
            Reads stdin (WAV, Sun AU or raw PCM), an ALSA capture device, or audio files, \
            and prints the smoothed genre, its confidence and the per-genre probabilities \
            for every window. Run 'genre-stream help classify' for every option.
            """,
        version: "genre-stream 0.1.0",
        subcommands: [Classify.self, Features.self, Bench.self],
        defaultSubcommand: Classify.self
    )

    /// The parser's own `main`, except that a usage error is one `genre-stream:`
    /// line (the README's promise for every error) instead of the parser's error,
    /// usage and hint lines. Help, version and a run's own exit codes are unchanged.
    static func main() {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let message = message(for: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
            warn("usage error: \(message)")
            exit(withError: ExitCode.validationFailure)
        }
        do { try command.run() } catch { exit(withError: error) }
    }
}

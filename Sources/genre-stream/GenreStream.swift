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
}

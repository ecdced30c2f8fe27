import ArgumentParser

/// The screen for `genre-stream --help`, `-h` and `help`: the options of
/// `classify` (what a bare `genre-stream` runs) and the list of commands.
///
/// `classify` is the default subcommand, not the root, so the parser's own root
/// screen lists only `--version` and `--help` and hides every option a user
/// came for behind `help classify`. This screen is put together from the
/// parser's two screens at run time, so it follows whatever options `Classify`
/// declares; every other help request (`help features`, `bench --help`,
/// `--model small --help`) is still the parser's.
enum RootHelp {
    static func isRequested(by arguments: [String]) -> Bool {
        arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"]
    }

    static func text(columns: Int? = nil) -> String {
        let root = lines(of: GenreStream.helpMessage(columns: columns))
        let classify = lines(of: GenreStream.helpMessage(for: Classify.self, columns: columns))
        let command = GenreStream.configuration.commandName ?? "genre-stream"
        let classifyName = Classify.configuration.commandName ?? "classify"

        // The root's overview and discussion: everything before its usage.
        let overview = root.prefix { !isHeader($0, "USAGE") }
        // The classify screen's sections after its usage (arguments, options, any groups).
        let usageLine = classify.firstIndex { isHeader($0, "USAGE") } ?? classify.endIndex
        let afterUsage = classify[usageLine...].dropFirst().firstIndex { isHeader($0, nil) } ?? classify.endIndex
        let options = classify[afterUsage...]
        // The root's list of commands and its closing hint.
        let subcommands = root.firstIndex { isHeader($0, "SUBCOMMANDS") }.map { root[$0...] } ?? []

        var usage = GenreStream.usageString(for: Classify.self)
        if usage.hasPrefix("\(command) \(classifyName)") {
            usage = "\(command) [\(classifyName)]" + usage.dropFirst("\(command) \(classifyName)".count)
        }
        let usageBlock = ["USAGE: \(usage)", "       \(command) <subcommand> [<options>]", ""]
        return (Array(overview) + usageBlock + Array(options) + Array(subcommands)).joined(separator: "\n")
    }

    private static func lines(of text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// A section header: `NAME:` at the start of a line, in capitals
    /// (`OVERVIEW:`, `USAGE:`, `OPTIONS:`, an option group's title).
    private static func isHeader(_ line: String, _ name: String?) -> Bool {
        guard let colon = line.firstIndex(of: ":"), line.first?.isUppercase == true else { return false }
        let title = line[..<colon]
        guard title.allSatisfy({ $0.isUppercase || $0 == " " }) else { return false }
        return name.map { title == $0 } ?? true
    }
}

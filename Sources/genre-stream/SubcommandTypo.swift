#if canImport(Glibc)
import Glibc
#endif

/// A mistyped command (`genre-stream modles`) would otherwise be read as the
/// name of an audio file to classify and fail with "cannot open", exit 66.
///
/// Only a first argument that names nothing on disk, has no extension or path
/// separator, and is within two edits (insert, delete, substitute, swap two
/// neighbours) of a command name is taken for a typo: an existing file named
/// `models` is still classified.
enum SubcommandTypo {
    /// The command a first argument looks like a misspelling of, or nil.
    /// `commands` is asked only for a bare word that names nothing on disk: the
    /// parser derives some command names by reflection, which costs start-up time.
    static func intendedCommand(_ arguments: [String], commands: () -> [String]) -> String? {
        guard let word = arguments.first, !word.isEmpty, !word.hasPrefix("-"),
              !word.contains("/"), !word.contains("."), !existsOnDisk(word) else { return nil }
        let commands = commands()
        guard !commands.contains(word) else { return nil }
        let nearest = commands.map { (name: $0, distance: editDistance(word, $0)) }
            .filter { $0.distance <= 2 }
            .min { $0.distance < $1.distance }
        return nearest?.name
    }

    private static func existsOnDisk(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Optimal string alignment distance: Levenshtein plus swapping two
    /// neighbouring characters as one edit (`bnech` is one edit from `bench`).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}

import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's entry point for a target that has its own `main`.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

private typealias RunDriver = @convention(c) (
    UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    FuzzCallback
) -> Int32

/// The `main` of a fuzz target. Built with `-sanitize=fuzzer` (scripts/fuzz.sh), it hands
/// the command line to libFuzzer. A plain build has no libFuzzer, so it replays instead:
/// each file named on the command line, or inside a named directory, goes once through
/// `describe` (the same code the fuzzer calls), and what it returns is printed.
///
/// libFuzzer is started through `LLVMFuzzerRunDriver`, looked up at run time, rather than
/// through its own `main`: SwiftPM gives every executable target a `main` of its own,
/// so a target cannot leave `main` to the fuzzer runtime and still build without it.
public func runFuzzTarget(_ name: String, callback: FuzzCallback,
                          describe: (UnsafeRawBufferPointer) -> String) -> Never {
    if let driver = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(unsafeBitCast(driver, to: RunDriver.self)(&argc, &argv, callback))
    }
    let count = replayInputs(CommandLine.arguments.dropFirst(), through: describe)
    print("\(name): replayed \(count) inputs without a crash")
    exit(0)
}

/// Runs `describe` on each file in `paths`, and on each file directly inside a directory
/// in `paths`, in name order, printing the file's name and what `describe` returns.
/// Returns the number of files.
private func replayInputs(_ paths: some Sequence<String>, through describe: (UnsafeRawBufferPointer) -> String) -> Int {
    let files = FileManager.default
    var count = 0
    for path in paths {
        var isDirectory = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
            fatalError("no such file or directory: \(path)")
        }
        let inputs = isDirectory
            ? ((try? files.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
            : [path]
        for input in inputs {
            guard let bytes = files.contents(atPath: input) else { fatalError("cannot read \(input)") }
            print("\(input): \(bytes.withUnsafeBytes(describe))")
            count += 1
        }
    }
    return count
}

// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "genre-stream",
    products: [
        .executable(name: "genre-stream", targets: ["genre-stream"]),
        .library(name: "Engine", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Only for the live monitor (--listen): NIOCore, NIOPosix and NIOHTTP1 need no Foundation.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Compute kernels only: no I/O, no allocation, no global state.
        .target(name: "CKernels"),
        // The shipped model, embedded in the binary so it works wherever it is copied.
        .target(name: "CDefaultModel"),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CFFTW3", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        // EBU R128 / ITU-R BS.1770 loudness (--loudness): the reference library.
        .systemLibrary(name: "CEBUR128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        .target(
            name: "Engine",
            dependencies: ["CKernels", "CDefaultModel", "CALSA", "CFFTW3", "CSndFile", "CSoxr", "CEBUR128"]
        ),
        // Everything after the engine's events: line formats, segments, summaries, the
        // sinks, diagnostics on stderr, and the session that runs inputs through a pipeline.
        .target(name: "Report", dependencies: ["Engine"]),
        // The live page and Prometheus metrics (--listen): a window-result sink with an HTTP listener.
        .target(
            name: "Monitor",
            dependencies: [
                "Engine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "genre-stream",
            dependencies: ["Engine", "Report", "Monitor", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "Report", "CKernels", "Monitor"],
            resources: [.copy("Fixtures")]
        ),
        // libFuzzer harnesses, run by scripts/fuzz.sh (built there with -sanitize=fuzzer,address).
        // A plain build makes each a corpus replayer: `StreamFuzzer Fuzz/corpus/stream`.
        .target(name: "FuzzDriver", path: "Fuzz/FuzzDriver"),
        .executableTarget(name: "StreamFuzzer", dependencies: ["Engine", "FuzzDriver"], path: "Fuzz/StreamFuzzer"),
        .executableTarget(name: "ModelFuzzer", dependencies: ["Engine", "FuzzDriver"], path: "Fuzz/ModelFuzzer"),
    ]
)

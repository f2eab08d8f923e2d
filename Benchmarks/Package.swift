// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of Sluice's log calls (package-benchmark): run with
// `swift package --disable-sandbox benchmark` here, or `make bench-micro` at the top.
// And sluice-bench, the side-by-side harness `make bench` runs (Sluice, Sluice behind
// swift-log's API, swift-log's StreamLogHandler on the same workloads).
let package = Package(
    name: "SluiceBenchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice-bench", targets: ["SluiceBench"]),
    ],
    dependencies: [
        .package(name: "Sluice", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "SluiceBench",
            dependencies: [
                .product(name: "Sluice", package: "Sluice"),
                .product(name: "SluiceMacros", package: "Sluice"),
                .product(name: "CSluice", package: "Sluice"),
                .product(name: "_SluiceToolSupport", package: "Sluice"),
                .product(name: "SluiceMetrics", package: "Sluice"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "BenchBaseline",
            ],
            path: "SluiceBench"
        ),
        // The C loops sluice-bench's c-level-check and c-level-count peers run (W3's floor).
        .target(name: "BenchBaseline", path: "BenchBaseline"),
        .executableTarget(
            name: "SluiceBenchmarks",
            dependencies: [
                .product(name: "Sluice", package: "Sluice"),
                .product(name: "SluiceMacros", package: "Sluice"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SluiceBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)

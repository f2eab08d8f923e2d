// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of Sluice's log calls (package-benchmark): run with
// `swift package --disable-sandbox benchmark` here, or `make bench-micro` at the top.
let package = Package(
    name: "SluiceBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Sluice", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "SluiceBenchmarks",
            dependencies: [
                .product(name: "Sluice", package: "Sluice"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SluiceBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)

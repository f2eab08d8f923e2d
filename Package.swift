// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Sluice",
    products: [
        .library(name: "Sluice", targets: ["Sluice"]),
        .library(name: "CSluice", targets: ["CSluice"]),
        .executable(name: "sluice", targets: ["SluiceCLI"]),
        // For the tools beside Sluice (sluice-bench in Benchmarks/): not an API.
        .library(name: "_SluiceToolSupport", targets: ["SluiceToolSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CURCU",
            path: "CSources/CURCU",
            pkgConfig: "liburcu-memb",
            providers: [.apt(["liburcu-dev"])]
        ),
        .target(
            name: "CSluice",
            dependencies: ["CURCU"],
            path: "CSources/CSluice",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m")]
        ),
        .target(name: "Sluice", dependencies: ["CSluice", .product(name: "Logging", package: "swift-log")]),
        .target(name: "SluiceToolSupport"),
        .executableTarget(
            name: "SluiceCLI",
            dependencies: ["Sluice", "SluiceToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "SluiceTestChild",
            dependencies: ["CSluice"],
            path: "Tests/SluiceTestChild",
            cSettings: [.define("_GNU_SOURCE"), .headerSearchPath("../../CSources/CSluice")]  // the core's private headers
        ),
        .executableTarget(
            name: "SluiceFacadeChild",
            dependencies: ["Sluice", "CSluice", .product(name: "Logging", package: "swift-log")],
            path: "Tests/SluiceFacadeChild"
        ),
        .target(name: "SluiceTestSupport", path: "Tests/SluiceTestSupport"),
        .testTarget(name: "CSluiceTests", dependencies: ["CSluice", "SluiceTestChild", "SluiceTestSupport"]),
        .testTarget(
            name: "SluiceTests",
            dependencies: [
                "Sluice", "SluiceFacadeChild", "SluiceCLI", "SluiceTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["rsyslog"]  // the configurations the syslog tests start rsyslog with
        ),
    ]
)

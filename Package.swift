// swift-tools-version:6.1
import CompilerPluginSupport
import PackageDescription

// The test targets a build takes: SLUICE_TESTS names them (make test builds each where it runs:
// the macros' without a sanitizer, so that no sanitized build compiles swift-syntax); unset, as
// in a plain `swift test`, every one.
let testsNamed = Context.environment["SLUICE_TESTS"].map { $0.split(separator: ",").map(String.init) }
func tests(_ targets: [Target]) -> [Target] {
    targets.filter { target in testsNamed?.contains(target.name) ?? true }
}

let package = Package(
    name: "Sluice",
    // Synchronization's Mutex and Atomic, which the facade uses, arrived in macOS 15.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Sluice", targets: ["Sluice"]),
        .library(name: "CSluice", targets: ["CSluice"]),
        .executable(name: "sluice", targets: ["SluiceCLI"]),
        // The glue a Swift service expects, each with its own dependency, so that Sluice itself
        // depends on swift-log alone.
        .library(name: "SluiceServiceLifecycle", targets: ["SluiceServiceLifecycle"]),
        .library(name: "SluiceMetrics", targets: ["SluiceMetrics"]),
        .library(name: "SluiceConfigurationReader", targets: ["SluiceConfigurationReader"]),
        // Log calls built at compile time: a product of its own, so that Sluice alone never builds swift-syntax.
        .library(name: "SluiceMacros", targets: ["SluiceMacros"]),
        // For the tools beside Sluice (sluice-bench in Benchmarks/): not an API.
        .library(name: "_SluiceToolSupport", targets: ["SluiceToolSupport"]),
    ],
    traits: [
        .trait(
            name: "Portable",
            description: "The core on POSIX alone, as macOS builds it (docs/PLATFORMS.md): on Linux, to test that path."
        )
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),  // the tests' ServiceContext
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),  // make docs
        // SluiceConfigurationReader; Reloading for ReloadingFileProvider, which its tests run.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "Reloading"]),
        .package(url: "https://github.com/swiftlang/swift-syntax", "600.0.1"..<"700.0.0"),  // SluiceMacros
    ],
    targets: [
        .systemLibrary(
            name: "CURCU",
            path: "CSources/CURCU",
            pkgConfig: "liburcu-bp",
            providers: [.apt(["liburcu-dev"]), .brew(["userspace-rcu"])]
        ),
        .target(
            name: "CSluice",
            dependencies: ["CURCU"],
            path: "CSources/CSluice",
            cSettings: [.define("_GNU_SOURCE"), .define("SLUICE_PORTABLE", .when(traits: ["Portable"]))],
            linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m"), .linkedLibrary("z")]
        ),
        // What the Swift facade inlines on every call: in no product, so not a C API.
        .target(name: "CSluiceFacade", dependencies: ["CSluice"], path: "CSources/CSluiceFacade"),
        .target(name: "Sluice", dependencies: ["CSluice", "CSluiceFacade", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "SluiceServiceLifecycle",
            dependencies: ["Sluice", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .target(
            name: "SluiceMetrics",
            dependencies: [
                "Sluice", .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "SluiceConfigurationReader",
            dependencies: [
                "Sluice", .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .macro(
            name: "SluiceMacrosPlugin",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
                .product(name: "SwiftParser", package: "swift-syntax"),
            ]
        ),
        .target(name: "SluiceMacros", dependencies: ["Sluice", "SluiceMacrosPlugin", .product(name: "Logging", package: "swift-log")]),
        .target(name: "SluiceToolSupport"),
        .executableTarget(
            name: "SluiceCLI",
            dependencies: ["Sluice", "SluiceToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Stand-ins for the core's seams (CSources/CSluice/seams.h), linked into test binaries only.
        .target(
            name: "CSluiceTestSeams",
            dependencies: ["CSluice"],
            path: "Tests/CSluiceTestSeams",
            cSettings: [
                .define("_GNU_SOURCE"), .define("SLUICE_PORTABLE", .when(traits: ["Portable"])),
                .headerSearchPath("../../CSources/CSluice"),  // seams.h, lanes.h
            ]
        ),
        .executableTarget(
            name: "SluiceTestChild",
            dependencies: ["CSluice", "CSluiceTestSeams"],
            path: "Tests/SluiceTestChild",
            cSettings: [
                .define("_GNU_SOURCE"), .define("SLUICE_PORTABLE", .when(traits: ["Portable"])),
                .headerSearchPath("../../CSources/CSluice"),  // the core's private headers
            ]
        ),
        .executableTarget(
            name: "SluiceFacadeChild",
            dependencies: ["Sluice", "CSluice", "CSluiceTestSeams", .product(name: "Logging", package: "swift-log")],
            path: "Tests/SluiceFacadeChild"
        ),
        .target(name: "SluiceTestSupport", path: "Tests/SluiceTestSupport"),
    ] + tests([
        .testTarget(
            name: "CSluiceTests", dependencies: ["CSluice", "CSluiceFacade", "CSluiceTestSeams", "SluiceTestChild", "SluiceTestSupport"]
        ),
        .testTarget(
            name: "SluiceTests",
            dependencies: [
                "Sluice", "CSluiceFacade", "SluiceFacadeChild", "SluiceCLI", "SluiceTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["rsyslog", "prometheus"]  // the configurations the tests start rsyslog and prometheus with
        ),
        .testTarget(
            name: "SluiceServiceTests",
            dependencies: [
                "SluiceServiceLifecycle", "SluiceMetrics", "SluiceConfigurationReader", "SluiceTestSupport", "CSluiceTestSeams",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The macros' tests use them as a service would: a test target that depended on the macro
        // target would keep swift build --build-tests from building the tests that import the
        // sluice executable ("module 'SluiceCLI' is the main module of an executable").
        .testTarget(name: "SluiceMacrosTests", dependencies: ["SluiceMacros", "SluiceTestSupport"]),
    ])
)

// swift-tools-version:6.1
import PackageDescription

// Sluice beside OpenTelemetry: every swift-log Logger writes through Sluice's ring and is
// exported as OTLP logs by swift-otel, lines carry the current span's trace id, and Sluice's
// counters reach the OTel metrics backend. `make examples` at the top builds it. A package
// of its own, so that Sluice's users never pull in swift-otel.
let package = Package(
    name: "OTelService",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Sluice", path: "../.."),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "OTelService",
            dependencies: [
                .product(name: "Sluice", package: "Sluice"),
                .product(name: "SluiceServiceLifecycle", package: "Sluice"),
                .product(name: "SluiceMetrics", package: "Sluice"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        )
    ]
)

// swift-tools-version:6.1
import PackageDescription

// The WebSocket service Sluice was built for, measured: a resilient client and a server
// over loopback that log the way the original module did. `make demo` at the top builds
// and runs it. A package of its own, so that Sluice's users never pull in SwiftNIO.
let package = Package(
    name: "WebSocketDemo",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Sluice", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "WebSocketDemo",
            dependencies: [
                .product(name: "Sluice", package: "Sluice"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        )
    ]
)

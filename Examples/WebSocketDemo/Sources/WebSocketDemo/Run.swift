import Foundation
import Logging
import NIOCore
import NIOPosix
import Sluice

/// What one run measured, printed as one JSON line for the driver.
struct RunSummary: Codable {
    var pid: Int32
    var requests: Int
    var p50Milliseconds: Double
    var p99Milliseconds: Double
    var injected: FaultyServer.Faults
    var discarded: Int
    var accepted: UInt64
    var written: UInt64
    var dropped: UInt64
    var filtered: UInt64
    var sampledOut: UInt64
}

/// The module the client logs as.
let clientModule = "resilient_websocket"

/// One configuration, as the environment gives it: a server and the client over loopback,
/// `requests` requests of 100 messages and 5 stale presence pings each. `DEMO_LOGGER=swift-log`
/// logs through swift-log's `StreamLogHandler` on stderr (the driver points it at the row's
/// file) at `LOG_LEVEL`, every line; otherwise through Sluice, configured by the environment.
func runOnce(requests: Int, hold: Bool) async throws {
    let swiftLog = ProcessInfo.processInfo.environment["DEMO_LOGGER"] == "swift-log"
    if swiftLog {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)  // what a Swift service gets by default
    } else {
        try Sluice.bootstrap()  // LOG_FILE, LOG_LEVEL, LOG_LEVEL_<MODULE>, LOG_SAMPLE_RATE_<MODULE>, ASYNC_LOGGING_ENABLED
        LoggingSystem.bootstrap { label in SluiceLogHandler(label: label) }
    }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let server = FaultyServer(plan: FaultyServer.Plan())
    let listener = try await server.bind(group: group)
    guard let port = listener.channel.localAddress?.port else { throw CocoaError(.coderInvalidValue) }
    let serving = Task { try await server.serve(listener) }

    func drive<Log: ClientLog>(_ log: Log) async throws -> (durations: [Duration], discarded: Int) {
        let client = ResilientWebSocket(port: port, group: group, log: log)
        return (try await client.run(requests: requests, messages: 100, presence: 5).sorted(), client.discarded)
    }
    let (durations, discarded): ([Duration], Int)
    if swiftLog {
        var logger = Logger(label: clientModule)
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        (durations, discarded) = try await drive(SwiftLogClientLog(logger: logger))
    } else {
        (durations, discarded) = try await drive(SluiceClientLog(module: clientModule))
    }

    try? await listener.channel.close()
    _ = await serving.result
    var counters: SluiceCore.Counters?  // Sluice's rows only
    if !swiftLog {
        Sluice.flush()
        counters = Sluice.stats.counters
    }
    let summary = RunSummary(
        pid: getpid(), requests: requests, p50Milliseconds: milliseconds(percentile(durations, 0.50)),
        p99Milliseconds: milliseconds(percentile(durations, 0.99)), injected: server.faults, discarded: discarded,
        accepted: counters?.accepted ?? 0, written: counters?.written ?? 0, dropped: counters?.dropped ?? 0,
        filtered: counters?.filtered ?? 0, sampledOut: counters?.sampledOut ?? 0)
    print(String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
    fflush(nil)
    if hold {  // the driver looks at this process with `sluice stat`, then closes stdin
        while readLine() != nil {}
    }
    if !swiftLog { Sluice.close() }
    try await group.shutdownGracefully()
}

func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
    guard !sorted.isEmpty else { return .zero }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

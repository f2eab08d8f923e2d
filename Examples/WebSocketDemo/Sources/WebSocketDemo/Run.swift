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

/// One configuration, as the environment gives it: a server and the client over loopback,
/// `requests` requests of 100 messages and 5 stale presence pings each.
func runOnce(requests: Int, hold: Bool) async throws {
    try Sluice.bootstrap()  // LOG_FILE, LOG_LEVEL, LOG_LEVEL_<MODULE>, LOG_SAMPLE_RATE_<MODULE>, ASYNC_LOGGING_ENABLED
    LoggingSystem.bootstrap { label in SluiceLogHandler(label: label) }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let server = FaultyServer(plan: FaultyServer.Plan())
    let listener = try await server.bind(group: group)
    guard let port = listener.channel.localAddress?.port else { throw CocoaError(.coderInvalidValue) }
    let serving = Task { try await server.serve(listener) }

    let client = ResilientWebSocket(port: port, group: group)
    let durations = try await client.run(requests: requests, messages: 100, presence: 5).sorted()

    try? await listener.channel.close()
    _ = await serving.result
    Sluice.flush()
    let counters = Sluice.stats().counters
    let summary = RunSummary(
        pid: getpid(), requests: requests, p50Milliseconds: milliseconds(percentile(durations, 0.50)),
        p99Milliseconds: milliseconds(percentile(durations, 0.99)), injected: server.faults, discarded: client.discarded,
        accepted: counters.accepted, written: counters.written, dropped: counters.dropped, filtered: counters.filtered,
        sampledOut: counters.sampledOut)
    print(String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
    fflush(nil)
    if hold {  // the driver looks at this process with `sluice stat`, then closes stdin
        while readLine() != nil {}
    }
    Sluice.shutdown()
    try await group.shutdownGracefully()
}

func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
    guard !sorted.isEmpty else { return .zero }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

import Foundation
import Logging
import ServiceLifecycle
import Sluice
import SluiceServiceLifecycle
import SluiceTestSupport
import Synchronization
import XCTest

/// How many records the worker logged, once it stopped.
private final class Logged: Sendable {
    let count = Atomic<Int>(0)
}

/// Logs until graceful shutdown, then says how many records it logged.
private struct Worker: Service {
    let log: SluiceLogger
    let logged: Logged
    /// After this many records the worker sends the process SIGTERM, the group's shutdown signal.
    let signalAfter: Int

    func run() async throws {
        var i = 0
        while !Task.isShuttingDownGracefully {
            log.info("work \(i)")
            i += 1
            if i == signalAfter { kill(getpid(), SIGTERM) }
            if i % 256 == 0 { await Task.yield() }
        }
        logged.count.store(i, ordering: .releasing)
    }
}

final class SluiceServiceTests: XCTestCase {
    func testSIGTERMMidStreamKeepsEveryRecordTheWorkerLoggedBeforeItStopped() async throws {
        let path = temporaryLogPath(self)
        let core = try SluiceCore(.init(level: .info, destination: .file(path), overflow: .block))
        let logged = Logged()
        let worker = Worker(log: core.logger("worker"), logged: logged, signalAfter: 20_000)
        let group = ServiceGroup(
            services: [SluiceService(core: core), worker], gracefulShutdownSignals: [.sigterm],
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await group.run()

        let count = logged.count.load(ordering: .acquiring)
        XCTAssertGreaterThanOrEqual(count, 20_000, "the worker ran until the signal")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, count, "every record logged before the worker stopped is in the file")
        XCTAssertTrue(lines.enumerated().allSatisfy { $1.hasSuffix("worker: work \($0)") }, "each once, in order")
        XCTAssertEqual(core.counters.dropped, 0)
        core.logger("worker").info("after the service stopped")
        XCTAssertEqual(core.counters.dropped, 1, "the service closed the core: a later call is counted as dropped")
    }
}

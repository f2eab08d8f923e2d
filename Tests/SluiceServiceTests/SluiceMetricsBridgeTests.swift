import CSluice
import CSluiceTestSeams
import Logging
import MetricsTestKit
import ServiceLifecycle
import Sluice
import SluiceMetrics
import SluiceTestSupport
import XCTest

final class SluiceMetricsBridgeTests: XCTestCase {
    func testCountersGrowByWhatTheCoreCountedAndGaugesAndSummariesAreSet() throws {
        let core = try SluiceCore(.init(level: .info, destination: .file(temporaryLogPath(self))))
        defer { core.close() }
        let log = core.logger("app")
        let metrics = TestMetrics()
        let bridge = SluiceMetricsBridge(core: core, factory: metrics)
        let coreID = "\(core.stats.coreID)"

        for i in 0..<100 { log.info("first \(i)") }
        log.debug("filtered")
        core.flush()
        bridge.report()
        for i in 0..<50 { log.info("second \(i)") }
        core.flush()
        bridge.report()

        let written = try metrics.expectCounter("sluice_records_written_total", [("core", coreID), ("module", "app")])
        XCTAssertEqual(written.values, [100, 50], "incremented by what the core counted since the last reading")
        XCTAssertEqual(written.totalValue, 150)
        XCTAssertEqual(try metrics.expectCounter("sluice_records_filtered_total", [("core", coreID), ("module", "app")]).totalValue, 1)
        XCTAssertEqual(try metrics.expectMeter("sluice_queue_capacity_bytes", [("core", coreID)]).lastValue, 4_194_304)
        XCTAssertNotNil(try metrics.expectMeter("sluice_queue_high_water_bytes", [("core", coreID)]).lastValue)
        XCTAssertEqual(try metrics.expectCounter("sluice_records_dropped_by_level_total", [("core", coreID), ("level", "error")]).totalValue, 0)
        let endToEnd = try metrics.expectMeter("sluice_end_to_end_seconds", [("core", coreID), ("quantile", "0.99")])
        XCTAssertGreaterThan(endToEnd.lastValue ?? 0, 0, "a record's time to its write, in seconds")
        XCTAssertLessThan(endToEnd.lastValue ?? 1, 10)
        XCTAssertEqual(try metrics.expectCounter("sluice_end_to_end_seconds_count", [("core", coreID)]).totalValue, 150)

        let text = core.stats.prometheusText()
        for line in text.split(separator: "\n") where line.hasPrefix("sluice_records_written_total{") {
            XCTAssertTrue(line.hasSuffix(" 150") || !line.contains("module=\"app\""), "the same name and value as the exposition: \(line)")
        }
    }

    func testRunReportsOnItsIntervalAndOnceMoreAtGracefulShutdown() async throws {
        let core = try SluiceCore(.init(level: .info, destination: .file(temporaryLogPath(self))))
        defer { core.close() }
        let metrics = TestMetrics()
        let bridge = SluiceMetricsBridge(core: core, interval: .milliseconds(20), factory: metrics)
        let group = ServiceGroup(services: [bridge], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let coreID = "\(core.stats.coreID)"
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for i in 0..<10 { core.logger("app").info("record \(i)") }
            core.flush()
            try await Task.sleep(for: .milliseconds(200))  // several intervals
            core.logger("app").info("last")
            core.flush()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let written = try metrics.expectCounter("sluice_records_written_total", [("core", coreID), ("module", "app")])
        XCTAssertEqual(written.totalValue, 11, "the final report at shutdown has the last record")
    }

    /// The records logged just before a graceful shutdown, not yet written when it begins, are
    /// in the final report: it flushes first.
    func testTheFinalReportCarriesEveryRecordLoggedBeforeShutdown() async throws {
        let core = try SluiceCore(.init(level: .info, destination: .file(temporaryLogPath(self))))
        defer { core.close() }
        let metrics = TestMetrics()
        let bridge = SluiceMetricsBridge(core: core, interval: .seconds(60), factory: metrics)
        let group = ServiceGroup(services: [bridge], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))  // the first report is made
            sluice_test_pause_writers(1)  // the records wait in the ring when the shutdown begins
            for i in 0..<1_457 { core.logger("app").info("record \(i)") }
            await group.triggerGracefulShutdown()
            try await Task.sleep(for: .milliseconds(100))
            sluice_test_pause_writers(0)
            try await tasks.waitForAll()
        }
        let written = try metrics.expectCounter("sluice_records_written_total", [("core", "\(core.stats.coreID)"), ("module", "app")])
        XCTAssertEqual(written.totalValue, 1_457)
    }
}

import Foundation
import Logging
import Sluice
import SluiceTestSupport
import Synchronization
import XCTest

/// A swift-log backend that is not Sluice: it keeps each message it is given.
private struct CollectingHandler: LogHandler {
    final class Messages: Sendable {
        let list = Mutex<[String]>([])
    }

    let messages = Messages()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        messages.list.withLock { $0.append("\(event.level) \(event.message)") }
    }
}

final class SampledLoggerTests: XCTestCase {
    func testAnyBackendGetsExactlyItsShareAndEveryWarning() throws {
        let handler = CollectingHandler()
        var logger = Logger(label: "framework") { _ in handler }
        let sampled = SampledLogger(logger, sampleRate: 0.1)
        for i in 1...100 { sampled.debug("call \(i)", key: "frame") }
        for i in 1...20 { sampled.warning("warned \(i)", key: "frame") }
        var ran = 0
        for _ in 1...100 { sampled.sampled(key: "dump") { _ in ran += 1 } }
        XCTAssertEqual(handler.messages.list.withLock { $0 },
                       stride(from: 1, through: 91, by: 10).map { "debug call \($0)" } + (1...20).map { "warning warned \($0)" })
        XCTAssertEqual(ran, 10, "function-level sampling: 10 of 100 bodies")

        logger.logLevel = .info
        let filtered = SampledLogger(logger, sampleRate: 0.5)
        for i in 1...10 { filtered.debug("below \(i)", key: "k") }
        for i in 1...4 { filtered.info("kept \(i)", key: "k") }
        XCTAssertEqual(handler.messages.list.withLock { Array($0.suffix(2)) }, ["info kept 1", "info kept 3"],
                       "a call below the logger's level takes no number")
        var filteredRuns = 0, infoRuns = 0
        for _ in 1...100 { filtered.sampled(key: "body") { _ in filteredRuns += 1 } }  // debug unless given
        for _ in 1...100 { filtered.sampled(key: "body", level: .info) { _ in infoRuns += 1 } }
        XCTAssertEqual(filteredRuns, 0, "below the logger's level the body never runs")
        XCTAssertEqual(infoRuns, 50)
    }

    func testTheRateComesFromTheLabelsVariableThenTheGlobalOne() throws {
        setenv("LOG_SAMPLE_RATE_PAYMENTS_API", "0.25", 1)
        setenv("LOG_SAMPLE_RATE", "0.5", 1)
        defer {
            unsetenv("LOG_SAMPLE_RATE_PAYMENTS_API")
            unsetenv("LOG_SAMPLE_RATE")
        }
        let payments = CollectingHandler(), other = CollectingHandler()
        let paymentsLogger = SampledLogger(Logger(label: "payments.api") { _ in payments })
        let otherLogger = SampledLogger(Logger(label: "other") { _ in other })
        for _ in 1...100 {
            paymentsLogger.info("x", key: "k")
            otherLogger.info("y", key: "k")
        }
        XCTAssertEqual(payments.messages.list.withLock { $0.count }, 25, "LOG_SAMPLE_RATE_PAYMENTS_API")
        XCTAssertEqual(other.messages.list.withLock { $0.count }, 50, "LOG_SAMPLE_RATE")
    }

    func testOnSluiceItSharesTheModulesCountersRateAndStatistics() throws {
        let (core, path) = try openCore(self, .init(level: .trace, moduleSampleRates: ["net": 0.1]))
        let sampled = SampledLogger(Logger(label: "net") { SluiceLogHandler(label: $0, core: core) })
        let native = core.samplingLogger("net")
        for i in 1...50 {
            sampled.debug("swift-log \(i)", key: "frame")
            native.debug("native \(i)", key: "frame")
        }
        core.flush()
        // One key's counters for both: calls 1, 11, 21, … of the hundred, all odd, all swift-log's.
        XCTAssertEqual(try messages(path), stride(from: 1, through: 46, by: 5).map { "swift-log \($0)" })
        XCTAssertEqual(core.stats.modules["net"]?.sampledOut, 90, "its sampled-out calls are counted")

        core.setSampleRate(1, module: "net")
        for i in 1...5 { sampled.debug("all \(i)", key: "frame") }
        core.flush()
        XCTAssertEqual(try messages(path).suffix(5), (1...5).map { "all \($0)" }, "the module's rate, changed at run time")
    }
}

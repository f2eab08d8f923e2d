import Foundation
import Logging
import Sluice
import XCTest

struct DiskFull: Error, CustomStringConvertible {
    var description: String { "disk full" }
}

final class LogHandlerTests: XCTestCase {
    func testSwiftLogRecordsArriveWithTheirMetadata() throws {
        let (core, path) = try openCore(self)
        let provider = Logger.MetadataProvider { ["trace-id": "abc"] }
        var logger = Logger(label: "com.example.db") { label in
            SluiceLogHandler(label: label, core: core, metadataProvider: provider)
        }
        logger.logLevel = .debug
        logger[metadataKey: "pool"] = "primary"
        logger.debug("query took \(12)ms", metadata: ["rows": "3"])
        logger.trace("below the level")
        logger.error("write failed", error: DiskFull())
        logger.error("retry failed", error: DiskFull(), metadata: ["error": "the caller's own"])
        core.close()
        XCTAssertEqual(try lines(path), [
            "DEBUG com.example.db: query took 12ms pool=primary rows=3 trace-id=abc",
            #"ERROR com.example.db: write failed error.message="disk full" error.type=SluiceTests.DiskFull pool=primary trace-id=abc"#,
            #"ERROR com.example.db: retry failed error="the caller's own" error.message="disk full" "#
                + "error.type=SluiceTests.DiskFull pool=primary trace-id=abc",
        ])
    }

    func testSwiftLogCallsAreTimedLikeNativeOnes() throws {
        let (core, _) = try openCore(self, .init(level: .trace, callTimingEvery: 1))
        let logger = Logger(label: "timed") { label in SluiceLogHandler(label: label, core: core) }
        for i in 0..<10 { logger.info("call \(i)") }
        XCTAssertEqual(core.stats.histograms["call_latency"]?.count, 10, "every call, at 1 in 1")
        core.close()
    }

    // swift-log's implementer guide: the log level and metadata are values.
    func testLogLevelAndMetadataAreValues() throws {
        let (core, _) = try openCore(self)
        let factory = { (label: String) in SluiceLogHandler(label: label, core: core) }
        var logger1 = Logger(label: "first logger", factory: factory)
        logger1.logLevel = .debug
        logger1[metadataKey: "only-on"] = "first"

        var logger2 = logger1
        logger2.logLevel = .error
        logger2[metadataKey: "only-on"] = "second"

        XCTAssertEqual(.debug, logger1.logLevel)
        XCTAssertEqual(.error, logger2.logLevel)
        XCTAssertEqual("first", logger1[metadataKey: "only-on"])
        XCTAssertEqual("second", logger2[metadataKey: "only-on"])
    }

    func testTheInitialLevelIsTheModulesAndFollowsItUntilSet() throws {
        let (core, _) = try openCore(self, .init(level: .info, moduleLevels: ["net": .debug]))
        var net = Logger(label: "net") { SluiceLogHandler(label: $0, core: core) }
        let other = Logger(label: "other") { SluiceLogHandler(label: $0, core: core) }
        XCTAssertEqual(net.logLevel, .debug)
        XCTAssertEqual(other.logLevel, .info)
        core.setLevel(.error, module: "net")
        XCTAssertEqual(net.logLevel, .error, "a run-time change reaches existing loggers")
        net.logLevel = .trace
        core.setLevel(.critical, module: "net")
        XCTAssertEqual(net.logLevel, .trace, "a level set on the logger is its own")
    }
}

import Foundation
import Logging
import Sluice
import SluiceTestSupport
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

    // swift-log's layers, each over the ones before it: the handler's, the provider's, the call's,
    // then the error's two keys. Every layer here shares a key with another.
    func testAKeyInSeveralMetadataLayersTakesTheLastLayersValue() throws {
        let (core, path) = try openCore(self)
        let provider = Logger.MetadataProvider { ["shared": "provider", "trace-id": "abc", "b": "p", "pool": "provided"] }
        var logger = Logger(label: "layers") { label in
            SluiceLogHandler(label: label, core: core, metadataProvider: provider)
        }
        logger[metadataKey: "pool"] = "primary"
        logger[metadataKey: "shared"] = "handler"
        logger[metadataKey: "a"] = ["nested": "h"]
        logger.info("all", metadata: ["shared": "call", "error.message": "the caller's", "z": "c", "b": ["x", "y"]])
        logger.error("failed", error: DiskFull(), metadata: ["error.message": "the caller's", "error.type": "its own"])
        var plain = Logger(label: "plain") { label in SluiceLogHandler(label: label, core: core) }
        plain[metadataKey: "k"] = "handler"
        plain.info("one layer")
        plain.info("two layers", metadata: ["k": "call", "j": "call"])
        core.close()
        XCTAssertEqual(try lines(path), [
            #"INFO layers: all a="[\"nested\": h]" b="[x, y]" error.message="the caller's" pool=provided shared=call "#
                + "trace-id=abc z=c",
            #"ERROR layers: failed a="[\"nested\": h]" b=p error.message="disk full" error.type=SluiceTests.DiskFull "#
                + "pool=provided shared=provider trace-id=abc",
            "INFO plain: one layer k=handler",
            "INFO plain: two layers j=call k=call",
        ])
    }

    func testSwiftLogCallsAreTimedLikeNativeOnes() throws {
        let (core, _) = try openCore(self, .init(level: .trace, callTimingEvery: 1))
        let logger = Logger(label: "timed") { label in SluiceLogHandler(label: label, core: core) }
        for i in 0..<10 { logger.info("call \(i)") }
        XCTAssertEqual(core.stats.histograms[.callLatency]?.count, 10, "every call, at 1 in 1")
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
        net.logLevel = .trace
        XCTAssertEqual(net.logLevel, .trace, "a level set on the logger is its own")
        XCTAssertEqual(Logger(label: "net") { SluiceLogHandler(label: $0, core: core) }.logLevel, .debug,
                       "and no other logger's")
    }

    /// What docs/developer-guide.md says of MultiplexLogHandler: its gate is fixed when the Logger is made.
    func testAMultiplexedLoggerMadeBeforeARunTimeChangeKeepsItsGate() throws {
        let (core, path) = try openCore(self, .init(level: .info))
        let before = Logger(label: "mux") { label in
            MultiplexLogHandler([SluiceLogHandler(label: label, core: core), SwiftLogNoOpLogHandler()])
        }
        core.setLevel(.debug, module: "mux")
        let after = Logger(label: "mux") { label in
            MultiplexLogHandler([SluiceLogHandler(label: label, core: core), SwiftLogNoOpLogHandler()])
        }
        before.debug("not past the gate of a logger made at info")
        after.debug("past the gate of a logger made after the change")
        core.setLevel(.error, module: "mux")
        before.warning("raised: each handler checks its own level")
        core.flush()
        XCTAssertEqual(try lines(path), ["DEBUG mux: past the gate of a logger made after the change"])
    }

    /// A framework sets `logLevel` from its own configuration; an operator still decides at run time.
    func testAnOperatorsRunTimeLevelWinsOverALevelSetInCodeUntilReset() throws {
        let (core, path) = try openCore(self, .init(level: .info, moduleLevels: ["net": .warning]))
        var net = Logger(label: "net") { SluiceLogHandler(label: $0, core: core) }
        net.logLevel = .error  // as Vapor or Hummingbird would, from LOG_LEVEL
        net.warning("hidden by the code's level")
        core.setLevel(.debug, module: "net")  // sluice level <pid> net debug
        XCTAssertEqual(net.logLevel, .debug, "the operator's level wins over the code's")
        XCTAssertEqual(core.stats.modules["net"]?.operatorLevel, .debug)
        net.debug("seen at the operator's level")
        core.resetLevel(module: "net")  // sluice level <pid> net reset
        XCTAssertEqual(net.logLevel, .error, "reset: the code's level again")
        XCTAssertNil(core.stats.modules["net"]?.operatorLevel)
        XCTAssertEqual(core.stats.modules["net"]?.level, .warning, "and the module's configured level")
        net.warning("hidden again")
        net.error("an error")
        core.flush()
        XCTAssertEqual(try lines(path), ["DEBUG net: seen at the operator's level", "ERROR net: an error"])
    }

    /// A handler on a core of the program's own takes swift-log's bootstrapped metadata provider
    /// by default, as the default core's handler does, and so does a native logger: trace ids
    /// stay in both paths' lines.
    func testAHandlerOnAnOwnCoreTakesSwiftLogsMetadataProviderByDefault() throws {
        let path = temporaryLogPath(self)
        let result = try runExecutable("SluiceFacadeChild", ["own-core-provider", path])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(try lines(path), [
            "INFO api: request started trace_id=4bf92f3577b34da6", "INFO native: native call trace_id=4bf92f3577b34da6",
        ])
    }
}

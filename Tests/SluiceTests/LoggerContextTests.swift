import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

/// The native logger carries swift-log's context: attached metadata, a metadata provider, an
/// error per call and, with source locations on, where the call was made, layered as the
/// swift-log handler layers them.
final class LoggerContextTests: XCTestCase {
    func testAttachedMetadataIsOnEveryLineUnderTheProvidersAndTheCallsKeys() throws {
        let (core, path) = try openCore(self)
        var log = core.logger("api")
        log.metadataProvider = Logger.MetadataProvider { ["trace_id": "abc", "shared": "provider"] }
        log[metadataKey: "request"] = "42"
        log[metadataKey: "shared"] = "attached"
        log[metadataKey: "peer"] = ["ip": "10.0.0.1", "port": "443"]
        log.info("attached and provided")
        log.info("the call's key wins", metadata: ["shared": "call", "n": "3"])
        log.metadataProvider = nil
        log.info("attached alone")
        var copy = log
        copy[metadataKey: "request"] = nil
        copy.info("a copy changed")
        log.info("the original kept its own")
        log.metadata = [:]
        log.info("none")
        core.close()
        XCTAssertEqual(try lines(path), [
            #"INFO api: attached and provided peer="[\"ip\": 10.0.0.1, \"port\": 443]" request=42 shared=provider trace_id=abc"#,
            #"INFO api: the call's key wins n=3 peer="[\"ip\": 10.0.0.1, \"port\": 443]" request=42 shared=call trace_id=abc"#,
            #"INFO api: attached alone peer="[\"ip\": 10.0.0.1, \"port\": 443]" request=42 shared=attached"#,
            #"INFO api: a copy changed peer="[\"ip\": 10.0.0.1, \"port\": 443]" shared=attached"#,
            #"INFO api: the original kept its own peer="[\"ip\": 10.0.0.1, \"port\": 443]" request=42 shared=attached"#,
            "INFO api: none",
        ])
    }

    func testAnErrorIsWrittenWithSwiftLogsKeysBesideTheCallersErrorKey() throws {
        let (core, path) = try openCore(self)
        var log = core.logger("db")
        log[metadataKey: "pool"] = "primary"
        log.error("write failed", error: DiskFull(), metadata: ["error": "the caller's"])
        log.log(level: .warning, "retrying", error: DiskFull())
        core.samplingLogger("db").log(level: .critical, "gave up", error: DiskFull(), key: "give-up")
        core.close()
        XCTAssertEqual(try lines(path), [
            #"ERROR db: write failed error="the caller's" error.message="disk full" error.type=SluiceTests.DiskFull pool=primary"#,
            "WARNING db: retrying error.message=\"disk full\" error.type=SluiceTests.DiskFull pool=primary",
            "CRITICAL db: gave up error.message=\"disk full\" error.type=SluiceTests.DiskFull",
        ])
    }

    func testWithSourceLocationsANativeLineIsTheSwiftLogLineOfTheSameCall() throws {
        let (core, path) = try openCore(self, .init(level: .trace, format: .json, sourceLocation: true))
        var native = core.logger("api")
        let provider = Logger.MetadataProvider { ["trace_id": "abc"] }
        native.metadataProvider = provider
        native[metadataKey: "request"] = "42"
        var swiftLog = Logger(label: "api") { label in SluiceLogHandler(label: label, core: core, metadataProvider: provider) }
        swiftLog[metadataKey: "request"] = "42"
        // One line of source: the same file, function and line for both calls.
        native.warning("same call", error: DiskFull(), metadata: ["n": "1"]); swiftLog.warning("same call", error: DiskFull(), metadata: ["n": "1"])
        native.info("plain"); swiftLog.info("plain")
        core.close()
        let records = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]).filter { $0.key != "ts" }
        }
        XCTAssertEqual(records.count, 4)
        XCTAssertEqual(records[0]["file"] as? String, "SluiceTests/LoggerContextTests.swift")
        XCTAssertEqual(records[0]["source"] as? String, "SluiceTests")
        XCTAssertEqual(records[0]["function"] as? String, #function)
        XCTAssertEqual(records[0]["error.type"] as? String, "SluiceTests.DiskFull")
        XCTAssertEqual(records[0]["trace_id"] as? String, "abc")
        for pair in [(0, 1), (2, 3)] {
            XCTAssertEqual(NSDictionary(dictionary: records[pair.0]), NSDictionary(dictionary: records[pair.1]),
                           "the native record and swift-log's of the same call")
        }
    }

    func testWithoutSourceLocationsNoLocationIsWritten() throws {
        let (core, path) = try openCore(self, .init(level: .trace, format: .logfmt))
        core.logger("api").info("where")
        core.close()
        let line = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertFalse(line.contains("file=") || line.contains("source=") || line.contains("function="), line)
    }

    // Read through the in-memory capture a test installs, not a file.
    func testASamplingLoggerCarriesItsMetadataOnTheCallsItLetsThrough() throws {
        let capture = SluiceCapture()
        let core = try SluiceCore(capture.configuration())
        var sampled = SamplingLogger(core.logger("ws"), sampleRate: 0.5)
        sampled[metadataKey: "connection"] = "7"
        XCTAssertEqual(sampled.metadata, ["connection": "7"])
        for i in 0..<4 { sampled.debug("frame \(i)", key: "frame") }
        XCTAssertTrue(core.flush())
        core.close()
        XCTAssertEqual(capture.records.map(\.message), ["frame 0", "frame 2"], "exactly every other call")
        XCTAssertEqual(capture.records.map(\.level), [.debug, .debug])
        XCTAssertEqual(capture.records.map(\.metadata), [["connection": "7"], ["connection": "7"]])
    }

    func testTheFlightRecorderKeepsTheContextOfCallsBelowTheLevel() throws {
        let (core, path) = try openCore(self, .init(level: .info, format: .json, flightRecorder: 8))
        var log = core.logger("job")
        log[metadataKey: "job"] = "nightly"
        log.debug("step 1", metadata: ["rows": .stringConvertible(10)])
        log.error("failed", error: DiskFull())
        core.close()
        let objects = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(objects.map { $0["msg"] as? String }, ["step 1", "failed"])
        XCTAssertEqual(objects[0]["recalled"] as? Bool, true)
        XCTAssertEqual(objects[0]["job"] as? String, "nightly", "the attached metadata of a recalled call")
        XCTAssertEqual(objects[0]["rows"] as? Int, 10)
        XCTAssertEqual(objects[1]["error.message"] as? String, "disk full")
    }
}

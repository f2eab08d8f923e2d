import Foundation
import Logging
import Sluice
import XCTest

/// The flight recorder from Swift: native loggers, sampling loggers and swift-log keep what
/// their level filters, and an error brings it back.
final class FlightRecorderFacadeTests: XCTestCase {
    func testCallsBelowTheLevelComeBackBeforeTheNextErrorWithTheirMetadata() throws {
        let (core, path) = try openCore(self, .init(level: .info, format: .json, flightRecorder: 50))
        let log = core.logger("checkout")
        let sampled = SamplingLogger(log, sampleRate: 0.5)
        var swiftLog = Logger(label: "checkout.http") { SluiceLogHandler(label: $0, core: core) }
        swiftLog[metadataKey: "request"] = "r-17"
        log.debug("cart loaded items=\(3)", metadata: ["user": ["id": .stringConvertible(42)]])
        sampled.trace("pricing", key: "pricing")
        swiftLog.debug("upstream 503")
        log.info("charging")  // at the level: written now, never kept
        log.error("charge failed")
        core.close()
        let objects = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(objects.map { $0["msg"] as? String }, ["charging", "cart loaded items=3", "pricing", "upstream 503", "charge failed"])
        XCTAssertEqual(objects.map { $0["recalled"] as? Bool }, [nil, true, true, true, nil])
        XCTAssertEqual(objects.map { $0["level"] as? String }, ["info", "debug", "trace", "debug", "error"])
        XCTAssertEqual((objects[1]["user"] as? [String: Any])?["id"] as? Int, 42, "metadata kept as fields")
        XCTAssertEqual(objects[3]["request"] as? String, "r-17")
        XCTAssertEqual(objects[3]["module"] as? String, "checkout.http")
        XCTAssertEqual(core.counters.filtered, 3, "kept calls are filtered calls")
    }

    func testTheRecorderComesFromTheEnvironmentIsFixedAtOpenAndABadSizeIsReported() throws {
        var reports: [String] = []
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_FLIGHT_RECORDER": "1000"]) { reports.append($0) }.flightRecorder, 1000)
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_FLIGHT_RECORDER": "lots"]) { reports.append($0) }.flightRecorder, 0)
        XCTAssertEqual(reports, [#"sluice: LOG_FLIGHT_RECORDER="lots" is not a whole number from 0 to 1000000; using 0"#])
        XCTAssertThrowsError(try SluiceCore(.init(flightRecorder: -1))) { error in
            XCTAssertEqual("\(error)", "sluice: flightRecorder -1 is not a whole number from 0 to 1000000; nothing was opened")
        }
        let (core, path) = try openCore(self, .init(level: .info))
        let stderr = try capturingStandardError {
            try core.reconfigure(.init(level: .info, destination: .file(path), flightRecorder: 10))
        }
        XCTAssertEqual(stderr, "sluice: the flight recorder is fixed while a core is open; asked for 10 records, keeping 0 records\n")
        core.close()
    }
}

import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

final class SluiceCoreTests: XCTestCase {
    func testALoggerPerModuleWritesTheSevenLevelsInOrder() throws {
        let path = temporaryLogPath(self)
        let core = try SluiceCore(.init(level: .trace, destination: .file(path)))
        let log = core.logger("resilient_websocket")
        log.trace("t")
        log.debug("d")
        log.info("connected id=\(42) peer=\("10.0.0.1")")
        log.notice("n")
        log.warning("w")
        log.error("e")
        log.critical("c")
        XCTAssertTrue(core.flush())
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let tails = lines.map { $0.dropFirst(28) }  // after "2026-11-29T04:08:43.123456Z "
        XCTAssertEqual(tails, [
            "TRACE resilient_websocket: t", "DEBUG resilient_websocket: d",
            "INFO resilient_websocket: connected id=42 peer=10.0.0.1", "NOTICE resilient_websocket: n",
            "WARNING resilient_websocket: w", "ERROR resilient_websocket: e", "CRITICAL resilient_websocket: c",
        ])
        XCTAssertEqual(core.counters.written, 7)
        core.close()
    }

    func testTheTimestampIsUTCWithMicrosecondsAndCloseToNow() throws {
        let path = temporaryLogPath(self)
        let core = try SluiceCore(.init(destination: .file(path)))
        let before = Date()
        core.logger("clock").info("now")
        core.close()
        let line = try String(contentsOfFile: path, encoding: .utf8)
        let stamp = String(line.prefix(27))
        XCTAssertNotNil(stamp.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"#, options: .regularExpression), stamp)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let written = try XCTUnwrap(formatter.date(from: String(stamp.prefix(23)) + "Z"))
        XCTAssertLessThan(abs(written.timeIntervalSince(before)), 1.0)
    }

    func testACallAfterCloseIsCountedAsDroppedAfterClose() throws {
        let core = try SluiceCore(.init(destination: .file(temporaryLogPath(self))))
        let log = core.logger("lazy")
        log.info("before")
        core.close()
        log.info("after")
        XCTAssertEqual(core.counters.accepted, 2)
        XCTAssertEqual(core.counters.written, 1)
        XCTAssertEqual(core.counters.droppedAfterClose, 1)
    }

    func testOpeningAFileInAMissingFolderThrowsAClearError() {
        XCTAssertThrowsError(try SluiceCore(.init(destination: .file("/nonexistent-sluice/x.log")))) { error in
            XCTAssertEqual("\(error)", "sluice: cannot open log file '/nonexistent-sluice/x.log': No such file or directory")
        }
        XCTAssertThrowsError(try SluiceCore(.init(queueBytes: 1000))) { error in
            XCTAssertEqual("\(error)", "sluice: queueBytes 1000 is not a power of two from 4096 to 1073741824; nothing was opened")
        }
    }
}

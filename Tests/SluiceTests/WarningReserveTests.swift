import Foundation
import Logging
import Sluice
import XCTest

/// The reserve for warning and above, from Swift: its setting, and drops counted by level.
final class WarningReserveTests: XCTestCase {
    func testDropsAreCountedByLevelEverywhereTheCountersShow() throws {
        let (core, _) = try openCore(self, .init(level: .trace, queueBytes: 4096, overflow: .drop))
        let log = core.logger("flood")
        var i = 0
        while core.counters.droppedFull == 0 && i < 1_000_000 {
            log.debug("flood \(i) \(String(repeating: "x", count: 100))")
            i += 1
        }
        core.close()
        let counters = core.counters
        XCTAssertGreaterThan(counters.dropped, 0)
        XCTAssertEqual(counters.droppedByLevel[.debug], counters.dropped)
        XCTAssertEqual(counters.droppedByLevel.values.reduce(0, +), counters.dropped)
        XCTAssertEqual(Set(counters.droppedByLevel.keys), Set(Logger.Level.allCases))
        let text = core.stats.prometheusText()
        XCTAssertTrue(text.contains(#"sluice_records_dropped_by_level_total{core="\#(core.stats.coreID)",level="debug"} \#(counters.dropped)"#))
        XCTAssertTrue(text.contains(#"sluice_records_dropped_by_level_total{core="\#(core.stats.coreID)",level="error"} 0"#))
    }

    func testTheReserveComesFromCodeOrTheEnvironmentAndABadOneIsReportedOrRefused() {
        var reports: [String] = []
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_WARNING_RESERVE": "0.25"]) { reports.append($0) }.warningReserve, 0.25)
        XCTAssertEqual(SluiceConfiguration().resolve(environment: [:]) { reports.append($0) }.warningReserve, 0.125)
        XCTAssertEqual(reports, [])
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_WARNING_RESERVE": "0.9"]) { reports.append($0) }.warningReserve, 0.125)
        XCTAssertEqual(reports, [#"sluice: LOG_WARNING_RESERVE="0.9" is not a number from 0 to 0.5; using 0.125"#])
        XCTAssertThrowsError(try SluiceCore(.init(warningReserve: 0.75))) { error in
            XCTAssertEqual("\(error)", "sluice: warningReserve 0.75 is not a number from 0 to 0.5; nothing was opened")
        }
    }

    func testTheWarningWaitComesFromCodeOrTheEnvironmentAndABadOneIsReportedOrRefused() {
        var reports: [String] = []
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_WARNING_WAIT_MS": "0.5"]) { reports.append($0) }.warningWait,
                       .microseconds(500))
        XCTAssertEqual(SluiceConfiguration().resolve(environment: [:]) { reports.append($0) }.warningWait, .milliseconds(2))
        XCTAssertEqual(reports, [])
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_WARNING_WAIT_MS": "5000"]) { reports.append($0) }.warningWait,
                       .milliseconds(2))
        XCTAssertEqual(reports, [#"sluice: LOG_WARNING_WAIT_MS="5000" is not from 0 to 1000 milliseconds; using 0.002 seconds"#])
        XCTAssertThrowsError(try SluiceCore(.init(warningWait: .seconds(2)))) { error in
            XCTAssertEqual("\(error)", "sluice: warningWait 2.0 seconds is not from 0 to 1000 milliseconds; nothing was opened")
        }
    }
}

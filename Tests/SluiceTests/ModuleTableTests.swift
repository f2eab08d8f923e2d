import CSluice
import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

/// Past the module table (labels made per connection fill it), a module keeps its own name,
/// its configured level and rate, and never borrows another module's.
final class ModuleTableTests: XCTestCase {
    func testModulesPastTheTableKeepTheirNamesLevelsAndCounts() throws {
        let (core, path) = try openCore(self, .init(level: .info, moduleLevels: ["late-debug": .debug], moduleSampleRates: ["late-debug": 0.5]))
        for i in 1..<Int(SLUICE_MODULES_MAX) - 1 { _ = core.logger("m\(i)") }
        let own = try capturingStandardError {
            let late = core.logger("late-debug"), other = core.logger("late-info")
            XCTAssertEqual(late.level, .debug, "its configured level")
            XCTAssertEqual(other.level, .info, "the global level")
            late.debug("shown under its own name")
            other.debug("filtered")
            other.info("shown too")
            XCTAssertFalse(core.setLevel(.critical, module: "late-info"), "no slot: says so")
            XCTAssertFalse(core.setSampleRate(0, module: "late-info"))
            XCTAssertEqual(other.level, .info)
            let sampled = core.samplingLogger("late-debug")
            for i in 0..<4 { sampled.debug("sampled \(i)", key: "k") }
            try core.reconfigure(.init(level: .trace, destination: .file(path)))
            XCTAssertEqual(other.level, .trace, "a reconfiguration reaches it")
            other.trace("after the reconfiguration")
            XCTAssertEqual(core.logger("late-info").level, .trace, "a new logger of the name shares its settings")
        }
        XCTAssertEqual(own.split(separator: "\n").count, 1, own)
        XCTAssertTrue(own.hasPrefix("sluice: the module table is full (1023 modules); 'late-debug'"), own)
        core.close()
        XCTAssertEqual(try lines(path), [
            "DEBUG late-debug: shown under its own name", "INFO late-info: shown too",
            "DEBUG late-debug: sampled 0", "DEBUG late-debug: sampled 2", "TRACE late-info: after the reconfiguration",
        ])
        let stats = core.stats
        XCTAssertEqual(stats.modules["sluice"]?.level, .trace, "the core's own module is untouched")
        let overflow = try XCTUnwrap(stats.modules[SLUICE_OVERFLOW_MODULE])
        XCTAssertEqual([overflow.accepted, overflow.written, overflow.filtered, overflow.sampledOut], [5, 5, 1, 2])
        XCTAssertEqual(stats.modules["m7"]?.level, .trace, "no other module changed")
    }

    /// The notice quotes a label the application made: escaped as records are, so a label
    /// holding a newline cannot forge a line of its own on stderr (the default sink).
    func testTheFullTableNoticeEscapesTheLabelItQuotes() throws {
        let (core, _) = try openCore(self, .init(level: .info))
        for i in 1..<Int(SLUICE_MODULES_MAX) - 1 { _ = core.logger("m\(i)") }
        let said = capturingStandardError { _ = core.logger("evil\nCRITICAL auth: forged\r\u{1b}[2J") }
        core.close()
        XCTAssertEqual(said.split(separator: "\n").count, 1, said)
        XCTAssertTrue(said.contains("'evil\\nCRITICAL auth: forged\\r\\x1b[2J'"), said)
    }
}

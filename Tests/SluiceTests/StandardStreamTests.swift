import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

/// stderr read by journald: each line can start with its syslog severity.
final class StandardStreamTests: XCTestCase {
    func testLinesOnStderrStartWithTheirSyslogSeverityForJournald() throws {
        let captured = try capturingStandardError {
            let core = try SluiceCore(.init(level: .trace, destination: .standardError, priorityPrefix: true))
            let log = core.logger("unit")
            for level in Logger.Level.allCases { log.log(level: level, "at \(level)") }
            core.close()
        }
        let lines = captured.split(separator: "\n")
        XCTAssertEqual(lines.map { String($0.prefix(3)) }, ["<7>", "<7>", "<6>", "<5>", "<4>", "<3>", "<2>"])
        XCTAssertEqual(lines.map { String($0.dropFirst(3 + 28)) },
                       Logger.Level.allCases.map { "\("\($0)".uppercased()) unit: at \($0)" })
    }

    func testAFileNeverGetsThePrefix() throws {
        let (core, path) = try openCore(self, .init(level: .info, priorityPrefix: true))
        core.logger("unit").warning("plain")
        core.close()
        XCTAssertEqual(try lines(path), ["WARNING unit: plain"])
    }

    func testTheVariablesOfRotationReopenAndThePrefixAreRead() {
        var reports: [String] = []
        let configuration = SluiceConfiguration().resolve(environment: [
            "LOG_FILE_MAX_BYTES": "1048576", "LOG_FILE_KEEP": "9", "LOG_REOPEN_ON_SIGHUP": "on",
            "LOG_STDERR_PRIORITY_PREFIX": "true",
        ]) { reports.append($0) }
        XCTAssertEqual(reports, [])
        XCTAssertEqual(configuration.fileMaxBytes, 1_048_576)
        XCTAssertEqual(configuration.fileKeep, 9)
        XCTAssertEqual(configuration.reopenOnSIGHUP, true)
        XCTAssertEqual(configuration.priorityPrefix, true)
        let bad = SluiceConfiguration().resolve(environment: ["LOG_FILE_MAX_BYTES": "-1", "LOG_FILE_KEEP": "5000"]) {
            reports.append($0)
        }
        XCTAssertEqual(reports, [
            #"sluice: LOG_FILE_MAX_BYTES="-1" is not a whole number, 0 or more (a number of bytes, or with k, M, G, KiB, "#
                + #"MiB, GiB for powers of 1024, KB, MB, GB for powers of 1000); using 0"#,
            #"sluice: LOG_FILE_KEEP="5000" is not a whole number from 0 to 1000; using 5"#,
        ])
        XCTAssertEqual(bad.fileMaxBytes, 0)
        XCTAssertEqual(bad.fileKeep, 5)
    }
}

import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// A console's time on text lines (sluice_options.local_time, short_time): local time with its
/// offset, the zone's changes found when the sink opens, and the time of day alone.
final class TextTimeTests: XCTestCase {
    /// Runs body with the process's TZ set to zone (a POSIX rule: no time zone files needed).
    private func inZone(_ zone: String, _ body: () throws -> Void) rethrows {
        let saved = getenv("TZ").map { String(cString: $0) }
        setenv("TZ", zone, 1)
        tzset()
        defer {
            if let saved { setenv("TZ", saved, 1) } else { unsetenv("TZ") }
            tzset()
        }
        try body()
    }

    /// The lines of one warning logged with the options adjust sets.
    private func line(_ adjust: (inout sluice_options) -> Void) throws -> String {
        let path = temporaryLogPath(self, "time")
        let core = try openCore(path: path, adjust: adjust)
        sluice_log(core.pointer, Int32(SLUICE_WARNING), sluice_module(core.pointer, "api"), "slow", 4)
        sluice_free(core.pointer)
        return try XCTUnwrap(String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first.map(String.init))
    }

    func testTheZonesChangesAreFoundToTheSecondForTwoYearsAhead() {
        inZone("CET-1CEST,M3.5.0,M10.5.0/3") {  // Central Europe: +01:00, +02:00 from the last Sunday of March
            let opened: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
            let summer: Int64 = 1_774_746_000  // 2026-03-29T01:00:00Z
            let winter: Int64 = 1_792_890_000  // 2026-10-25T01:00:00Z
            XCTAssertEqual(sluice_test_local_offset(opened, opened), 3600)
            XCTAssertEqual(sluice_test_local_offset(opened, summer - 1), 3600)
            XCTAssertEqual(sluice_test_local_offset(opened, summer), 7200)
            XCTAssertEqual(sluice_test_local_offset(opened, winter - 1), 7200)
            XCTAssertEqual(sluice_test_local_offset(opened, winter), 3600)
            XCTAssertEqual(sluice_test_local_offset(opened, 1_806_195_600), 7200, "2027-03-28T01:00:00Z, a year on")
            XCTAssertEqual(sluice_test_local_offset(opened, 1_843_430_400), 3600, "past two years: the last offset stays")
        }
    }

    func testLocalTimeCarriesTheZonesOffsetOnTextLinesAlone() throws {
        try inZone("XYZ-5:30") {  // fixed, 5 h 30 east of UTC
            let before = Date()
            let text = try line { $0.local_time = 1 }
            let stamp = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+05:30 WARNING api: slow$"#
            XCTAssertNotNil(text.range(of: stamp, options: .regularExpression), text)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            let written = try XCTUnwrap(formatter.date(from: String(text.prefix(19)) + "+05:30"), text)
            XCTAssertLessThan(abs(written.timeIntervalSince(before)), 60, "the same instant, in local time")
            let json = try line {
                $0.local_time = 1
                $0.format = Int32(SLUICE_FORMAT_JSON)
            }
            XCTAssertNotNil(json.range(of: #"^\{"ts":"[^"]{26}Z""#, options: .regularExpression), "JSON stays UTC: \(json)")
        }
        try inZone("XYZ+3") {  // 3 h west
            XCTAssertTrue(try line { $0.local_time = 1 }.contains("-03:00 WARNING"))
        }
    }

    func testShortTimeIsTheTimeOfDayToTheMillisecond() throws {
        let short = try line { $0.short_time = 1 }
        XCTAssertNotNil(short.range(of: #"^\d\d:\d\d:\d\d\.\d{3} WARNING api: slow$"#, options: .regularExpression), short)
        try inZone("XYZ-5:30") {
            let local = try line {
                $0.short_time = 1
                $0.local_time = 1
            }
            XCTAssertNotNil(local.range(of: #"^\d\d:\d\d:\d\d\.\d{3} WARNING"#, options: .regularExpression), local)
            let utcMinute = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).minute!
            let minute = Int(local.dropFirst(3).prefix(2))!
            XCTAssertTrue([0, 1, 59].contains((minute - utcMinute - 30 + 120) % 60), "a half-hour zone moves the minutes: \(local)")
        }
    }
}

import Foundation
import Sluice
import XCTest

/// One version, written in one place (the C core's SLUICE_VERSION), agrees with the changelog's
/// newest release and with what `sluice --version` prints.
final class VersionTests: XCTestCase {
    func testTheVersionIsTheChangelogsNewestAndTheCommandsOwn() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let changelog = try String(contentsOf: root.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let newest = try XCTUnwrap(changelog.split(separator: "\n").first { $0.hasPrefix("## ") }?.dropFirst(3))
        XCTAssertEqual(Sluice.version, String(newest))
        XCTAssertNotNil(Sluice.version.wholeMatch(of: /\d+\.\d+\.\d+/), "a semantic version: \(Sluice.version)")
        let result = try sluice(["--version"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(result.out, Sluice.version + "\n")
    }

    func testTheLicenseAndNoticeAreThere() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let license = try String(contentsOf: root.appendingPathComponent("LICENSE"), encoding: .utf8)
        XCTAssertTrue(license.contains("Apache License") && license.contains("Version 2.0, January 2004"))
        let notice = try String(contentsOf: root.appendingPathComponent("NOTICE"), encoding: .utf8)
        XCTAssertTrue(notice.contains("liburcu") && notice.contains("LGPL"), notice)
    }
}

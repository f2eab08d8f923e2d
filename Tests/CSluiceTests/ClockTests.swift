import Foundation
import XCTest

/// Record timestamps: the converter runs against a fake clock in the test child (clock_check.c).
final class ClockTests: XCTestCase {
    func testAWallClockStepDuringCalibrationOrLaterLeavesTheRateRightAndNanosecondsStayIntegers() throws {
        let result = try runChild(["clock-check"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(result.out, "ok\n")
    }
}

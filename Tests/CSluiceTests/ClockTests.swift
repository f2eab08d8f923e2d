import Foundation
import XCTest

/// Record timestamps: the converter runs against a fake clock in the test child (clock_check.c).
final class ClockTests: XCTestCase {
    func testAWallClockStepDuringCalibrationOrLaterLeavesTheRateRightAndNanosecondsStayIntegers() throws {
        let result = try runChild(["clock-check"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(result.out, "ok\n")
    }

    /// gmtime_r takes glibc's tzset lock, which a fork can leave held forever in the child
    /// (a forked child of a synchronous core hung in it); the lock-free conversion must agree with it.
    func testTheCalendarDateMatchesGmtimeFrom1970To2400() throws {
        let result = try runChild(["civil-check"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(result.out, "ok\n")
    }
}

import CSluice
import Foundation
import Logging
@testable import Sluice
import SluiceTestSupport
import XCTest

final class FlushTimeoutTests: XCTestCase {
    func testANegativeTimeoutDoesNotWaitAndAHugeOneDoesNotTrap() throws {
        let (core, _) = try openCore(self)
        let module = core.logger("held").moduleID
        var held = sluice_reservation()  // the writer waits for it: nothing after it is written
        XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_INFO), module, 4, &held), Int32(SLUICE_OK))
        core.logger("held").info("behind")
        let started = ContinuousClock.now
        XCTAssertFalse(core.flush(timeout: .seconds(-1)), "a deadline already passed")
        XCTAssertFalse(core.flush(timeout: .zero))
        XCTAssertFalse(core.flush(timeout: .milliseconds(20)))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "none of them waited without limit")
        sluice_commit(core.pointer, &held, 0)
        XCTAssertTrue(core.flush(timeout: .seconds(Int64.max)))
        XCTAssertTrue(core.flush(timeout: .seconds(-1)), "nothing left to write")
        core.close()
    }

    func testTimeoutsBecomeWholeMillisecondsRoundedUpAndClamped() {
        XCTAssertEqual(SluiceCore.flushMilliseconds(.seconds(-5)), 0)
        XCTAssertEqual(SluiceCore.flushMilliseconds(.zero), 0)
        XCTAssertEqual(SluiceCore.flushMilliseconds(.microseconds(1)), 1)
        XCTAssertEqual(SluiceCore.flushMilliseconds(.milliseconds(1500)), 1500)
        XCTAssertEqual(SluiceCore.flushMilliseconds(.seconds(Int64.max)), Int32.max)
        XCTAssertEqual(SluiceCore.flushMilliseconds(.seconds(2_147_483)), Int32.max)
    }
}

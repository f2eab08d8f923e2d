import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// fork() while threads log: the child gets a working core of its own, the parent is untouched.
final class ForkTests: XCTestCase {
    override func setUpWithError() throws {
        if underThreadSanitizer {
            throw XCTSkip("ThreadSanitizer does not support threads started after a multi-threaded fork (the child's "
                + "writer); make test-asan runs these tests, on a child built with AddressSanitizer")
        }
    }

    /// core: "0" asynchronous, "1" synchronous, "recoverable", "housekept" (gzip of rotated files).
    func forkWhileLogging(core: String, children: Int) throws {
        let path = temporaryLogPath(self)
        let result = try runChild(["fork", path, "\(children)", core])
        XCTAssertEqual(result.status, 0, result.err)
        let words = result.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 18 else { return XCTFail("unexpected report: \(result.out) \(result.err)") }
        let value = { (name: String) in Int(words[words.firstIndex(of: Substring(name))! + 1])! }
        XCTAssertEqual(value("slow"), 0, "no child took more than 5 s")
        XCTAssertEqual(value("failed"), 0,
                       "every child's flush returned, it had a statistics file (and ring file) of its own, and it exited 0")
        XCTAssertEqual(value("stats_file"), 1, "the parent's statistics file is still there")
        XCTAssertEqual(value("accepted"), value("logged"), "the children's records are not in the parent's counters")
        // The file holds millions of lines: the child reads it (in C) and says what it found.
        XCTAssertEqual(value("parent_in_order"), 1, "every parent record once, each thread's in order")
        XCTAssertEqual(value("children_whole"), children, "each child's 10 records once and in order")
        XCTAssertGreaterThan(value("logged"), children, "the parent logged throughout")
    }

    func testTwoHundredChildrenForkedWhileFourThreadsLogEachGetAWorkingCore() throws {
        try forkWhileLogging(core: "0", children: 200)
    }

    func testAChildOfARecoverableCoreLeavesTheParentsRingFileAndGetsItsOwn() throws {
        try forkWhileLogging(core: "recoverable", children: 100)
    }

    func testAChildOfACoreWithAHousekeeperClosesItsFileAndLeavesTheThreadToTheParent() throws {
        try forkWhileLogging(core: "housekept", children: 50)
    }

    func testASynchronousCoreWhoseLockIsHeldAtForkDoesNotDeadlockTheChild() throws {
        try forkWhileLogging(core: "1", children: 100)
    }
}

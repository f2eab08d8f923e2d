import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// A process that dies of a fatal signal writes what it logged first, and still dies of it.
final class CrashTests: XCTestCase {
    /// The sanitizers (the AddressSanitizer child of make test, the ThreadSanitizer build of the
    /// suite) handle SIGSEGV themselves, and so does the Swift runtime's backtracer where the
    /// child links it; here the default action does.
    let environment = [
        "ASAN_OPTIONS": "handle_segv=0:detect_leaks=0", "TSAN_OPTIONS": "handle_segv=0", "SWIFT_BACKTRACE": "enable=no",
    ]

    func testAnAbortWritesEveryRecordThenThePreviousHandlerAndTheDefaultActionRun() throws {
        let path = temporaryLogPath(self)
        let result = try runChild(["crash", path, "1000", "abort"], environment: environment)
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err)
        XCTAssertEqual(result.status, SIGABRT, "the exit status is still the signal's")
        XCTAssertTrue(result.err.contains("the previous SIGABRT handler ran"), result.err)
        let messages = readLines(path).map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertEqual(messages, (0..<1000).map { "record \($0)" }, "every record logged before the abort")
    }

    /// The child logs 1,000 records, then crashes as `how` says: every record is written and
    /// the process still dies of `signal`.
    func assertCrashWritesEveryRecord(_ how: String, dyingOf signal: Int32, line: UInt = #line) throws {
        let path = temporaryLogPath(self)
        let result = try runChild(["crash", path, "1000", how], environment: environment)
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err, line: line)
        XCTAssertEqual(result.status, signal, line: line)
        XCTAssertEqual(readLines(path).count, 1000, line: line)
    }

    func testAWriteThroughNullWritesEveryRecordAndDiesOfSIGSEGV() throws {
        try assertCrashWritesEveryRecord("segv", dyingOf: SIGSEGV)
    }

    func testASinkThatNeverTakesTheWriteCannotHangTheCrash() throws {
        let started = Date()
        let result = try runChild(["crash", "-", "1000", "stuck"], environment: environment)
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err)
        XCTAssertEqual(result.status, SIGABRT)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "the flush gave up after its deadline (500 ms)")
    }

    /// The crashing thread's own open reservation is given up at once: every record other
    /// threads committed behind it is written, without waiting the flush's deadline on it.
    func testACrashWithItsOwnReservationOpenWritesEveryRecordCommittedBehindIt() throws {
        let path = temporaryLogPath(self)
        let started = Date()
        let result = try runChild(["crash-reserved", path, "4", "10000"], environment: environment)
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err)
        XCTAssertEqual(result.status, SIGSEGV)
        let messages = readLines(path).map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertEqual(messages.count, 40_000, "every record of the other threads")
        XCTAssertFalse(messages.contains { $0.hasPrefix("rrrr") }, "the half-filled reservation is not written")
        XCTAssertLessThan(Date().timeIntervalSince(started), 9, "no wait on the reservation (the deadline is 10 s)")
    }

    /// A second thread that crashes while the first one's handler flushes waits for that flush.
    func testASecondCrashWaitsForTheFirstCrashsFlush() throws {
        let path = temporaryLogPath(self)
        let records = 300_000
        let result = try runChild(["crash-twice", path, "\(records)"], environment: environment)
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err)
        XCTAssertEqual(readLines(path).count, records, "every record, though another thread crashed meanwhile")
    }

    /// SIGTRAP (a Swift trap on arm64) is a crash like the others.
    func testSIGTRAPIsHandled() throws {
        try assertCrashWritesEveryRecord("trap", dyingOf: SIGTRAP)
    }

    /// A forked child that crashes before it logs takes no lock, makes no file and starts no
    /// thread in its handler: it had nothing to flush.
    func testAForkedChildThatCrashesBeforeItLogsLeavesNoFileBehind() throws {
        if underThreadSanitizer { throw XCTSkip("ThreadSanitizer does not follow a multi-threaded fork; make test-asan runs this test") }
        let directory = try temporaryDirectory(self)
        let result = try runChild(["fork-crash", "10"], environment: environment.merging(["SLUICE_STATS_DIR": directory]) { $1 })
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(result.out, "aborted 10 of 10 files 0\n", result.err)
    }
}

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

    func testAWriteThroughNullWritesEveryRecordAndDiesOfSIGSEGV() throws {
        let path = temporaryLogPath(self)
        let result = try runChild(["crash", path, "1000", "segv"], environment: environment)
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err)
        XCTAssertEqual(result.status, SIGSEGV)
        XCTAssertEqual(readLines(path).count, 1000)
    }

    func testASinkThatNeverTakesTheWriteCannotHangTheCrash() throws {
        let started = Date()
        let result = try runChild(["crash", "-", "1000", "stuck"], environment: environment)
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err)
        XCTAssertEqual(result.status, SIGABRT)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "the flush gave up after its deadline (500 ms)")
    }
}

import Foundation
import SluiceTestSupport
import XCTest

/// Runs a SluiceTestChild scenario: make test names one built with AddressSanitizer
/// (SLUICE_TEST_CHILD); otherwise the one beside the tests.
func runChild(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    try runExecutable("SluiceTestChild", at: ProcessInfo.processInfo.environment["SLUICE_TEST_CHILD"], arguments,
                      environment: environment)
}

final class ProcessExitTests: XCTestCase {
    func testAProcessThatReturnsFromMainWithoutClosingStillWritesEveryRecord() throws {
        let path = temporaryLogPath(self)
        let result = try runChild(["exit-drain", path, "10000"])
        XCTAssertEqual(result.status, 0)
        let messages = readLines(path).map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertEqual(messages, (0..<10000).map { "record \($0)" })
    }

    func testASynchronousCoreOnABrokenPipeCountsWriteErrorsInsteadOfDyingOfSIGPIPE() throws {
        let result = try runChild(["sync-sigpipe", "5"])
        XCTAssertEqual(result.reason, .exit, "not killed by a signal")
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.out, "accepted 5 written 0 dropped 5 write_errors 5\n")
    }

    func testTheWriterOnAStdoutPipeWhoseReaderIsGoneCountsInsteadOfDyingOfSIGPIPE() throws {
        let result = try runChild(["pipe-gone", "1000"])  // `app | head -1`, with head gone
        XCTAssertEqual(result.reason, .exit, "not killed by a signal")
        XCTAssertEqual(result.status, 0)
        let lines = result.err.split(separator: "\n")
        XCTAssertEqual(lines.first, "sluice: cannot write to 'stdout': Broken pipe; records are dropped and counted until it works again")
        let counters = try XCTUnwrap(lines.last).split(separator: " ")
        XCTAssertEqual(counters[0...5], ["accepted", "1000", "written", "0", "dropped", "1000"], result.err)
        XCTAssertGreaterThanOrEqual(Int(counters[7]) ?? 0, 1, "write errors")
    }

    /// Built with AddressSanitizer by `make test` (SLUICE_TEST_CHILD), a use after free is a report and exit 1.
    func testFreeingACoreOnAnotherThreadWhileExitDrainsItIsSafe() throws {
        for run in 0..<(underThreadSanitizer ? 10 : 100) {  // each ThreadSanitizer child takes a second to start
            let path = temporaryLogPath(self, "run\(run)")
            let result = try runChild(["exit-free", path, "1000"], environment: ["ASAN_OPTIONS": "detect_leaks=0"])
            XCTAssertEqual(result.reason, .exit, "run \(run): \(result.err)")
            XCTAssertEqual(result.status, 0, "run \(run): \(result.err)")
            XCTAssertFalse(result.err.contains("Sanitizer"), "run \(run): \(result.err)")
            XCTAssertEqual(readLines(path).count, 1000, "run \(run): every record, once")
            if result.status != 0 { break }
        }
    }

    func testASignalHandlerThatLogsOnTheThreadItInterruptsLosesNoCount() throws {
        let result = try runChild(["signal-count", "3000000", "20000"])
        XCTAssertEqual(result.status, 0, result.err)
        let words = result.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        XCTAssertEqual(words.count, 6, result.out)
        guard words.count == 6 else { return }
        XCTAssertEqual(words[1], words[3], "every call counted as accepted: \(result.out)")
        XCTAssertEqual(words[3], words[5], "and as written or dropped: \(result.out)")
    }
}

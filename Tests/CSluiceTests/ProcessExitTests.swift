import Foundation
import SluiceTestSupport
import XCTest

/// Runs a SluiceTestChild scenario; returns its exit status (or terminating signal), stdout and stderr.
func runChild(_ arguments: [String], environment: [String: String]? = nil) throws
    -> (status: Int32, reason: Process.TerminationReason, out: String, err: String)
{
    let child = Process()
    child.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SLUICE_TEST_CHILD"]
        ?? CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("SluiceTestChild")
    child.arguments = arguments
    if let environment { child.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    child.standardOutput = out
    child.standardError = err
    try child.run()
    let errData = Slots(1, Data())  // read on its own thread, so neither pipe can fill and stall the child
    let errDone = DispatchSemaphore(value: 0)
    Thread {
        errData[0] = err.fileHandleForReading.readDataToEndOfFile()
        errDone.signal()
    }.start()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    errDone.wait()
    child.waitUntilExit()
    return (child.terminationStatus, child.terminationReason, String(decoding: data, as: UTF8.self),
            String(decoding: errData[0], as: UTF8.self))
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
}

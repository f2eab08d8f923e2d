import Foundation
import SluiceTestSupport
import XCTest

final class ProcessExitTests: XCTestCase {
    func testAProcessThatReturnsFromMainWithoutClosingStillWritesEveryRecord() throws {
        let path = temporaryLogPath(self)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("SluiceTestChild")
        child.arguments = [path, "10000"]
        try child.run()
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0)
        let messages = readLines(path).map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertEqual(messages, (0..<10000).map { "record \($0)" })
    }
}

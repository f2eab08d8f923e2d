import Foundation
import XCTest

/// A fresh log path under the temporary directory, removed when the test ends.
public func temporaryLogPath(_ test: XCTestCase, _ name: String = #function) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent(name.filter { $0.isLetter || $0.isNumber } + "-\(UInt32.random(in: 0...UInt32.max)).log").path
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Runs body(index) on `count` threads released together, and waits for all.
public func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let start = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    for index in 0..<count {
        done.enter()
        let thread = Thread {
            start.wait()
            body(index)
            done.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    for _ in 0..<count { start.signal() }
    done.wait()
}

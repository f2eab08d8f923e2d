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

/// What a finished process left: its exit status (or terminating signal), stdout and stderr.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var reason: Process.TerminationReason
    public var out: String
    public var err: String
}

/// Runs the executable named `name` beside the tests (or at `path`) to its end, with the
/// environment's variables plus `environment`. Both pipes are read at once, so neither can fill.
public func runExecutable(_ name: String, at path: String? = nil, _ arguments: [String],
                          environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = path.map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    process.arguments = arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    final class Box: @unchecked Sendable { var data = Data() }  // written by the reader, read after it signals
    let errData = Box()
    let errDone = DispatchSemaphore(value: 0)
    Thread {
        errData.data = err.fileHandleForReading.readDataToEndOfFile()
        errDone.signal()
    }.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    errDone.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, reason: process.terminationReason,
                         out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData.data, as: UTF8.self))
}

/// A pid no process has now.
public func unusedPid() -> Int32 {
    var pid: Int32 = 4_000_000
    while kill(pid, 0) == 0 || errno == EPERM { pid -= 1 }
    return pid
}

/// True in make test-tsan's run, where child processes are slow to start and forking threads unsupported.
public var underThreadSanitizer: Bool {
    ProcessInfo.processInfo.environment["SLUICE_UNDER_TSAN"] != nil
}

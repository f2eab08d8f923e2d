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

/// A fresh directory under the temporary directory (a statistics directory, say), removed
/// with what it holds when the test ends.
public func temporaryDirectory(_ test: XCTestCase, _ name: String = #function) throws -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("sluice-dir-\(getpid())-" + name.filter { $0.isLetter || $0.isNumber } + "-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
    return directory
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

/// `make test-asan` sets SLUICE_UNDER_ASAN: LeakSanitizer reports a leak of a single cycle at
/// exit, so a test that repeats a cycle to see memory grow needs few repetitions there.
public var underAddressSanitizer: Bool {
    ProcessInfo.processInfo.environment["SLUICE_UNDER_ASAN"] != nil
}

/// Bytes that try to get out of their line or their quotes.
public let hostileCorpus: [[UInt8]] = [
    Array("a\nb".utf8), Array("a\r\nb".utf8), Array("tab\there".utf8), [0x1B] + Array("[31mred".utf8),
    Array("nul".utf8) + [0] + Array("byte".utf8), [0x7F], [0xFF, 0xFE, 0x41], [0xE2, 0x82], [0xC0, 0xAF],
    [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC2, 0x85], [0xC2, 0x9F], Array("é € 😀 ✓".utf8),
    Array("ok\n2026-11-29T00:00:00.000000Z CRITICAL auth: forged".utf8),
    Array(#"","level":"critical","msg":"forged"#.utf8), Array(#"" msg="forged"#.utf8), Array(#"\"#.utf8),
    Array(#"\u0000 \\ \" \n"#.utf8), Array("line\u{2028}separator\u{2029}paragraph".utf8), Array("key=value".utf8),
    Array("ts".utf8), Array("msg".utf8), Array("".utf8), Array(" ".utf8), Array("{}[]".utf8), Array("\u{FEFF}bom".utf8),
]

/// Any JSON value, decoded by Foundation's JSONDecoder.
public enum JSONValue: Decodable, Equatable {
    case string(String), number(Double), bool(Bool), object([String: JSONValue]), array([JSONValue]), null

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

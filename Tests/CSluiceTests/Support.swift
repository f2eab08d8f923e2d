import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// A core pointer that test threads may share: the C core is thread-safe.
struct Core: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Why sluice_open refused, in its own words.
struct OpenFailure: Error, CustomStringConvertible {
    let description: String
}

/// Opens a core, or throws the core's message (a thrown error fails the test).
func openCore(
    path: String?, ringBytes: Int = 65536, overflow: Int32 = Int32(SLUICE_OVERFLOW_DROP),
    format: Int32 = Int32(SLUICE_FORMAT_TEXT), rings: UInt32 = testRings(), renderThreads: UInt32 = 0
) throws(OpenFailure) -> Core {
    var options = sluice_options()
    sluice_options_init(&options)
    options.ring_bytes = ringBytes
    options.ring_count = rings
    options.render_threads = renderThreads
    options.overflow = overflow
    options.format = format
    var error = [CChar](repeating: 0, count: 512)
    let pointer: OpaquePointer? = path.map { path -> OpaquePointer? in
        path.withCString { options.path = $0; return sluice_open(&options, &error, error.count) }
    } ?? sluice_open(&options, &error, error.count)
    guard let pointer else { throw OpenFailure(description: cString(error)) }
    return Core(pointer: pointer)
}

/// Opens a core on path with the default options as adjust leaves them, or fails the test with
/// the core's message.
func openCore(path: String, adjust: (inout sluice_options) -> Void) throws -> Core {
    var options = sluice_options()
    sluice_options_init(&options)
    adjust(&options)
    var error = [CChar](repeating: 0, count: 512)
    let opened = path.withCString { path -> OpaquePointer? in
        options.path = path
        return sluice_open(&options, &error, error.count)
    }
    return Core(pointer: try XCTUnwrap(opened, cString(error)))
}

func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func counters(_ core: Core) -> sluice_counters {
    var c = sluice_counters()
    sluice_counters_read(core.pointer, &c)
    return c
}

/// Logs bytes as one record; returns sluice_log's result.
@discardableResult
func log(_ core: Core, _ module: Int32, _ bytes: [UInt8], level: Int32 = Int32(SLUICE_INFO)) -> Int32 {
    bytes.withUnsafeBufferPointer { b in
        b.withMemoryRebound(to: CChar.self) { sluice_log(core.pointer, level, module, $0.baseAddress, $0.count) }
    }
}

@discardableResult
func log(_ core: Core, _ module: Int32, _ text: String, level: Int32 = Int32(SLUICE_INFO)) -> Int32 {
    log(core, module, Array(text.utf8), level: level)
}

/// Per-thread results: thread i writes slot i only; read after the threads are joined.
/// Slots are separate memory locations (not elements of one Swift array, whose
/// every write is an access to the whole array).
final class Slots<Value>: @unchecked Sendable {
    private let values: UnsafeMutableBufferPointer<Value>
    init(_ count: Int, _ initial: Value) {
        values = .allocate(capacity: count)
        values.initialize(repeating: initial)
    }
    deinit {
        values.deinitialize()
        values.deallocate()
    }
    subscript(index: Int) -> Value {
        get { values[index] }
        set { values[index] = newValue }
    }
    var all: [Value] { Array(values) }
}

/// One rendered line, as byte ranges into the file's contents.
struct Line {
    var level: String
    var module: String
    var message: ArraySlice<UInt8>
}

/// The file's lines; fails the test on a line that does not have the rendered shape.
func readLines(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> [Line] {
    guard let data = FileManager.default.contents(atPath: path) else {
        XCTFail("cannot read \(path)", file: file, line: line)
        return []
    }
    let bytes = [UInt8](data)
    var lines: [Line] = []
    var start = 0
    while start < bytes.count {
        guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
            XCTFail("the file ends without a newline", file: file, line: line)
            break
        }
        if let parsed = parseLine(bytes[start..<end]) {
            lines.append(parsed)
        } else {
            XCTFail("not a Sluice line: \(String(decoding: bytes[start..<end], as: UTF8.self))", file: file, line: line)
        }
        start = end + 1
    }
    return lines
}

/// "2026-11-29T04:08:43.123456Z LEVEL module: message"
func parseLine(_ text: ArraySlice<UInt8>) -> Line? {
    let base = text.startIndex
    guard text.count >= 28, text[base + 10] == UInt8(ascii: "T"), text[base + 26] == UInt8(ascii: "Z"),
          text[base + 27] == UInt8(ascii: " ") else { return nil }
    let afterTime = text[(base + 28)...]
    guard let space = afterTime.firstIndex(of: UInt8(ascii: " ")) else { return nil }
    let rest = text[(space + 1)...]
    guard let colon = rest.firstIndex(of: UInt8(ascii: ":")), colon + 1 < text.endIndex,
          text[colon + 1] == UInt8(ascii: " ") else { return nil }
    return Line(
        level: String(decoding: afterTime[..<space], as: UTF8.self),
        module: String(decoding: rest[..<colon], as: UTF8.self),
        message: text[(colon + 2)...])
}

/// The test's own count of a records-per-producer setting, smaller under ThreadSanitizer.
/// The ring count of cores a test opens without asking for one: `SLUICE_TEST_RINGS` (the
/// sanitizers' runs use 1, so that every test also runs with a single ring), else the core's
/// default, one per CPU.
func testRings() -> UInt32 {
    ProcessInfo.processInfo.environment["SLUICE_TEST_RINGS"].flatMap(UInt32.init) ?? 0
}

func stressRecords(default value: Int) -> Int {
    ProcessInfo.processInfo.environment["SLUICE_STRESS_RECORDS"].flatMap(Int.init) ?? value
}

/// Runs body with fd 2 writing into fd, for a core whose sink must be a pipe (its sink is then
/// stderr: a FIFO cannot be opened by path). Restoring stderr afterwards closes that copy of fd.
func withStandardError<R>(writingTo fd: Int32, _ body: () throws -> R) rethrows -> R {
    let saved = dup(2)
    dup2(fd, 2)
    defer {
        dup2(saved, 2)
        close(saved)
    }
    return try body()
}


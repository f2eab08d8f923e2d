import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// Text lines with their level in colour (sluice_options.color): always, never, and on a
/// terminal only (a pseudo-terminal here), unless NO_COLOR says otherwise.
final class ColorTests: XCTestCase {
    /// Opens a core on path with color and format, logs one warning, closes it.
    private func logWarning(to path: String, color: Int32, format: Int32 = Int32(SLUICE_FORMAT_TEXT)) throws {
        let core = try openCore(path: path) { options in
            options.color = color
            options.format = format
        }
        sluice_log(core.pointer, Int32(SLUICE_WARNING), sluice_module(core.pointer, "api"), "slow", 4)
        sluice_free(core.pointer)
    }

    func testAlwaysColoursTheLevelOfTextLinesOnlyAndNeverAndAutoOnAFileDoNot() throws {
        let path = temporaryLogPath(self)
        try logWarning(to: path, color: Int32(SLUICE_COLOR_ALWAYS))
        try logWarning(to: path, color: Int32(SLUICE_COLOR_ALWAYS), format: Int32(SLUICE_FORMAT_JSON))
        try logWarning(to: path, color: Int32(SLUICE_COLOR_NEVER))
        try logWarning(to: path, color: Int32(SLUICE_COLOR_AUTO))  // a file is no terminal
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { String($0.dropFirst(28)) }
        XCTAssertEqual(lines[0], "\u{1b}[33mWARNING\u{1b}[0m api: slow")
        XCTAssertFalse(lines[1].contains("\u{1b}"), "JSON is never coloured: \(lines[1])")
        XCTAssertEqual(Array(lines[2...]), ["WARNING api: slow", "WARNING api: slow"])
    }

    func testAutoColoursATerminalUnlessNoColorIsSet() throws {
        var path = [CChar](repeating: 0, count: 256)
        let master = sluice_test_open_terminal(&path, path.count)
        guard master >= 0 else { throw XCTSkip("no pseudo-terminal to open here: \(String(cString: strerror(errno)))") }
        defer { close(master) }
        let terminal = cString(path)
        let runnersNoColor = getenv("NO_COLOR").map { String(cString: $0) }  // a test runner may set it
        defer {
            if let runnersNoColor { setenv("NO_COLOR", runnersNoColor, 1) } else { unsetenv("NO_COLOR") }
        }
        unsetenv("NO_COLOR")
        try logWarning(to: terminal, color: Int32(SLUICE_COLOR_AUTO))
        setenv("NO_COLOR", "1", 1)
        try logWarning(to: terminal, color: Int32(SLUICE_COLOR_AUTO))
        try logWarning(to: terminal, color: Int32(SLUICE_COLOR_ALWAYS))  // asked for: NO_COLOR does not apply
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var pending = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        while poll(&pending, 1, 1_000) == 1 {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[..<n]
            if received.filter({ $0 == UInt8(ascii: "\n") }).count == 3 { break }
        }
        let lines = String(decoding: received, as: UTF8.self).split(separator: "\r\n").map { String($0.dropFirst(28)) }
        XCTAssertEqual(lines, [
            "\u{1b}[33mWARNING\u{1b}[0m api: slow", "WARNING api: slow", "\u{1b}[33mWARNING\u{1b}[0m api: slow",
        ])
    }

    func testAColorOutsideTheThreeIsRefusedWithTheValue() {
        var options = sluice_options()
        sluice_options_init(&options)
        options.color = 7
        var error = [CChar](repeating: 0, count: 512)
        XCTAssertNil(sluice_open(&options, &error, error.count) as OpaquePointer?)
        XCTAssertTrue(cString(error).hasPrefix("sluice: color 7 is none of SLUICE_COLOR_NEVER (0)"), cString(error))
    }
}

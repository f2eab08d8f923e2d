import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// One record is always exactly one line, whatever its bytes and length.
final class FramingTests: XCTestCase {
    func testEveryLengthUpToPastTheLargestMessageWrapsIntactOrTruncatedWithAMarker() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 4096, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "framing")
        let largest = sluice_max_message(core.pointer)
        let lengths = Array(0...(largest + 64))
        func message(_ length: Int) -> [UInt8] {
            (0..<length).map { UInt8(0x21 + ($0 * 7 + length) % 94) }  // printable ASCII, varying
        }
        for length in lengths {
            XCTAssertEqual(log(core, module, message(length)), Int32(SLUICE_OK))
        }
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)

        XCTAssertGreaterThan(lengths.reduce(0, +), 100 * 4096, "the ring wrapped many times")
        let lines = readLines(path)
        XCTAssertEqual(lines.count, lengths.count)
        for (line, length) in zip(lines, lengths) {
            let marker = Array(" [sluice: truncated to \(largest) of \(length) bytes]".utf8)
            let expected = length <= largest
                ? escapedReference(message(length)) : escapedReference(Array(message(length).prefix(largest))) + marker
            XCTAssertTrue(Array(line.message) == expected, "length \(length): got \(line.message.count) bytes")
        }
        XCTAssertEqual(c.truncated, UInt64(lengths.count - largest - 1))
        XCTAssertEqual(c.written, UInt64(lengths.count))
    }

    func testControlCharactersAndInvalidUTF8AreEscapedOnOneLine() throws {
        let cases: [([UInt8], String)] = [
            (Array("a\nb".utf8), #"a\nb"#),
            (Array("a\r\nb".utf8), #"a\r\nb"#),
            (Array("tab\there".utf8), #"tab\there"#),
            ([0x1B] + Array("[31mred".utf8), #"\x1b[31mred"#),
            (Array("nul".utf8) + [0] + Array("byte".utf8), #"nul\x00byte"#),
            ([0x7F], #"\x7f"#),
            ([0xFF, 0xFE, 0x41], #"\xff\xfeA"#),
            ([0xE2, 0x82], #"\xe2\x82"#),               // a sequence cut short
            ([0xC0, 0xAF], #"\xc0\xaf"#),               // overlong "/"
            ([0xED, 0xA0, 0x80], #"\xed\xa0\x80"#),     // a surrogate
            ([0xF4, 0x90, 0x80, 0x80], #"\xf4\x90\x80\x80"#),  // above U+10FFFF
            ([0xC2, 0x85], #"\xc2\x85"#),               // C1 control NEL
            (Array("é € 😀 ✓".utf8), "é € 😀 ✓"),
            (Array("ok\n2026-11-29T00:00:00.000000Z CRITICAL auth: forged".utf8),
             #"ok\n2026-11-29T00:00:00.000000Z CRITICAL auth: forged"#),
            (Array("0123456789abcdef\u{1}0123456789abcdef".utf8), #"0123456789abcdef\x010123456789abcdef"#),
            (Array(#"two characters \n, not a newline"#.utf8), #"two characters \\n, not a newline"#),
            (Array(#"C:\path\x41"#.utf8), #"C:\\path\\x41"#),
            (Array("line\u{2028}separator\u{2029}paragraph".utf8), #"line\u2028separator\u2029paragraph"#),
        ]
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "escape")
        for (bytes, _) in cases { log(core, module, bytes) }
        sluice_close(core.pointer)
        sluice_free(core.pointer)
        let lines = readLines(path)
        XCTAssertEqual(lines.count, cases.count)
        for (line, (_, expected)) in zip(lines, cases) {
            XCTAssertEqual(String(decoding: line.message, as: UTF8.self), expected)
        }
    }

    func testArbitraryBytesOfEveryLengthGiveOneValidUTF8LineEach() throws {
        var generator = SystemRandomNumberGenerator()
        let records = (0..<2000).map { i in (0..<(i % 300)).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 8192, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "bytes")
        for record in records { log(core, module, record) }
        sluice_close(core.pointer)
        sluice_free(core.pointer)
        let lines = readLines(path)
        XCTAssertEqual(lines.count, records.count)
        for (line, record) in zip(lines, records) {
            XCTAssertNotNil(String(validating: line.message, as: UTF8.self), "valid UTF-8")
            XCTAssertFalse(line.message.contains { $0 < 0x20 || $0 == 0x7F }, "no control characters")
            XCTAssertTrue(Array(line.message) == escapedReference(record), "record of \(record.count) bytes: \(record)")
        }
    }
}

extension FramingTests {
    func testAModuleNameCannotForgeALine() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let forger = sluice_module(core.pointer, "x\n2026-11-29T00:00:00.000000Z CRITICAL auth")
        let plain = sluice_module(core.pointer, "plain")
        log(core, forger, "admin login ok")
        log(core, plain, "after")
        sluice_free(core.pointer)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.dropFirst(28) }
        XCTAssertEqual(lines, [#"INFO x\n2026-11-29T00:00:00.000000Z CRITICAL auth: admin login ok"#, "INFO plain: after"],
                       "one line per record, the name escaped")
    }

    func testAFormatterTextStaysWithinItsBoundAfterEscaping() throws {
        // The process's formatters (the Swift facade's, when a test of it ran first) come back after.
        var previousDouble: sluice_double_formatter?, previousFloat: sluice_float_formatter?
        sluice_float_formatters(&previousDouble, &previousFloat)
        defer { sluice_set_float_formatters(previousDouble, previousFloat) }
        // Every byte a control: escaping makes each of them four.
        sluice_set_float_formatters({ _, out, capacity in
            let n = min(capacity, 64)
            for i in 0..<n { out![i] = 1 }
            return n
        }, nil)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "formatter")
        var segments = Segments()
        segments.double(.pi)  // not a short decimal: the formatter renders it
        segments.bytes.withUnsafeBytes { _ = sluice_log_segments(core.pointer, Int32(SLUICE_INFO), module, $0.baseAddress, $0.count) }
        sluice_free(core.pointer)
        let message = try XCTUnwrap(readLines(path).first?.message)
        XCTAssertEqual(String(decoding: message, as: UTF8.self), String(repeating: #"\x01"#, count: 13),
                       "6 bytes per encoded byte (a tag and 8 bytes) less two quotes: 52 bytes, whole escapes only")
    }
}

/// The escaping rules, byte by byte: the oracle for the writer's fast path.
func escapedReference(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    func hex(_ b: UInt8) { out += Array(String(format: "\\x%02x", b).utf8) }
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        switch b {
        case 0x5C: out += Array(#"\\"#.utf8); i += 1
        case 0x0A: out += Array(#"\n"#.utf8); i += 1
        case 0x0D: out += Array(#"\r"#.utf8); i += 1
        case 0x09: out += Array(#"\t"#.utf8); i += 1
        case 0x00..<0x20, 0x7F: hex(b); i += 1
        case 0x20..<0x7F: out.append(b); i += 1
        default:
            let length = validSequenceLength(bytes, at: i)
            if length == 0 {
                hex(b); i += 1
            } else if length == 2 && b == 0xC2 && bytes[i + 1] < 0xA0 {
                hex(bytes[i]); hex(bytes[i + 1]); i += 2
            } else if length == 3 && bytes[i..<(i + 3)] == [0xE2, 0x80, 0xA8] {
                out += Array(#"\u2028"#.utf8); i += 3
            } else if length == 3 && bytes[i..<(i + 3)] == [0xE2, 0x80, 0xA9] {
                out += Array(#"\u2029"#.utf8); i += 3
            } else {
                out += bytes[i..<(i + length)]; i += length
            }
        }
    }
    return out
}

/// The length of the well-formed UTF-8 sequence at i (Unicode Table 3-7), or 0.
func validSequenceLength(_ bytes: [UInt8], at i: Int) -> Int {
    let ranges: [(ClosedRange<UInt8>, [ClosedRange<UInt8>])] = [
        (0xC2...0xDF, [0x80...0xBF]),
        (0xE0...0xE0, [0xA0...0xBF, 0x80...0xBF]),
        (0xE1...0xEC, [0x80...0xBF, 0x80...0xBF]),
        (0xED...0xED, [0x80...0x9F, 0x80...0xBF]),
        (0xEE...0xEF, [0x80...0xBF, 0x80...0xBF]),
        (0xF0...0xF0, [0x90...0xBF, 0x80...0xBF, 0x80...0xBF]),
        (0xF1...0xF3, [0x80...0xBF, 0x80...0xBF, 0x80...0xBF]),
        (0xF4...0xF4, [0x80...0x8F, 0x80...0xBF, 0x80...0xBF]),
    ]
    guard let (_, rest) = ranges.first(where: { $0.0.contains(bytes[i]) }), i + rest.count < bytes.count else {
        return 0
    }
    for (k, range) in rest.enumerated() where !range.contains(bytes[i + 1 + k]) { return 0 }
    return rest.count + 1
}

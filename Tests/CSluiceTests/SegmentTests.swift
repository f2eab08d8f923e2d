import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// Builds a segment sequence as sluice.h describes it.
struct Segments {
    var bytes: [UInt8] = []
    mutating func text(_ s: String) { bytes.append(UInt8(SLUICE_SEGMENT_TEXT)); append(UInt32(s.utf8.count)); bytes += s.utf8 }
    mutating func int(_ v: Int64) { bytes.append(UInt8(SLUICE_SEGMENT_INT)); append(v) }
    mutating func uint(_ v: UInt64) { bytes.append(UInt8(SLUICE_SEGMENT_UINT)); append(v) }
    mutating func double(_ v: Double) { bytes.append(UInt8(SLUICE_SEGMENT_DOUBLE)); append(v.bitPattern) }
    mutating func float(_ v: Float) { bytes.append(UInt8(SLUICE_SEGMENT_FLOAT)); append(v.bitPattern) }
    mutating func bool(_ v: Bool) { bytes += [UInt8(SLUICE_SEGMENT_BOOL), v ? 1 : 0] }
    mutating func tag(_ tag: Int) { bytes.append(UInt8(tag)) }
    mutating func key(_ s: String) { tagged(SLUICE_SEGMENT_KEY, Array(s.utf8)) }
    mutating func tagged(_ tag: Int, _ text: [UInt8]) { bytes.append(UInt8(tag)); append(UInt32(text.count)); bytes += text }
    mutating func location(file: String, line: UInt32, function: String) {
        tagged(SLUICE_SEGMENT_LOCATION, Array(file.utf8))
        append(line)
        append(UInt32(function.utf8.count))
        bytes += function.utf8
    }
    mutating func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
}

final class SegmentTests: XCTestCase {
    func logSegments(_ core: Core, _ module: Int32, _ segments: Segments) -> Int32 {
        segments.bytes.withUnsafeBytes { sluice_log_segments(core.pointer, Int32(SLUICE_INFO), module, $0.baseAddress, $0.count) }
    }

    /// A short text segment with more segments after it is loaded as one word, the bytes past
    /// it masked: every byte there must still escape as it does in a plain text message.
    func testShortTextSegmentsEscapeAsPlainTextDoes() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "segments")
        var texts: [[UInt8]] = []
        for byte in UInt8.min...UInt8.max {
            texts += [[byte], [0x61, byte, 0x62], Array("abcde".utf8) + [byte], [0xE2, 0x80, byte], [byte, 0xA9, 0x5C]]
        }
        for text in texts {
            var s = Segments()
            s.tagged(SLUICE_SEGMENT_TEXT, text)
            s.int(1)
            XCTAssertEqual(logSegments(core, module, s), Int32(SLUICE_OK))
            XCTAssertEqual(text.withUnsafeBytes { sluice_log(core.pointer, Int32(SLUICE_INFO), module, $0.baseAddress, $0.count) },
                           Int32(SLUICE_OK))
        }
        sluice_free(core.pointer)
        let messages = readLines(path).map { Array($0.message) }
        XCTAssertEqual(messages.count, 2 * texts.count)
        for (index, text) in texts.enumerated() where 2 * index + 1 < messages.count {
            XCTAssertEqual(messages[2 * index], messages[2 * index + 1] + Array("1".utf8), "text \(text)")
        }
    }

    func testSegmentsRenderAsTheirText() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "segments")
        var s = Segments()
        s.text("id=")
        s.int(-42)
        s.text(" big=")
        s.uint(UInt64.max)
        s.text(" min=")
        s.int(Int64.min)
        s.text(" zero=")
        s.int(0)
        s.text(" ratio=")
        s.double(0.5)
        s.text(" f=")
        s.float(2.5)
        s.text(" tab\there")
        XCTAssertEqual(logSegments(core, module, s), Int32(SLUICE_OK))
        var cut = Segments()
        cut.text("kept ")
        cut.int(7)
        cut.bytes += [UInt8(SLUICE_SEGMENT_DOUBLE), 1, 2]  // a value cut short
        XCTAssertEqual(logSegments(core, module, cut), Int32(SLUICE_OK))
        XCTAssertEqual(logSegments(core, module, Segments(bytes: [0xEE, 1, 2, 3])), Int32(SLUICE_OK))  // unknown tag
        let boundaries: [UInt64] = (0...19).flatMap { exponent -> [UInt64] in
            let power = (0..<exponent).reduce(UInt64(1)) { value, _ in value * 10 }
            return [power - 1, power, power + 1]
        }
        var digits = Segments()
        for value in boundaries {
            digits.uint(value)
            digits.text(" ")
            if value <= UInt64(Int64.max) { digits.int(-Int64(value)) }
            digits.text(",")
        }
        XCTAssertEqual(logSegments(core, module, digits), Int32(SLUICE_OK))
        sluice_free(core.pointer)
        XCTAssertEqual(readLines(path).map { String(decoding: $0.message, as: UTF8.self) }, [
            #"id=-42 big=18446744073709551615 min=-9223372036854775808 zero=0 ratio=0.5 f=2.5 tab\there"#,
            "kept 7",
            "",
            boundaries.map { value in "\(value) " + (value <= UInt64(Int64.max) ? "\(-Int64(value))" : "") + "," }.joined(),
        ])
    }
}

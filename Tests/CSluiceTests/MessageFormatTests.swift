import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// The format of pieces (sluice_format), 0 if refused.
private func registerFormat(_ pieces: [[UInt8]]) -> UInt32 {
    let copies = pieces.map { piece in
        let copy = UnsafeMutableBufferPointer<CChar>.allocate(capacity: piece.count + 1)
        _ = copy.initialize(from: piece.map { CChar(bitPattern: $0) } + [0])
        return copy
    }
    defer { copies.forEach { $0.deallocate() } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0.baseAddress) }
    return sluice_format(pointers, pieces.map(\.count), pieces.count)
}

/// Formats registered once (sluice_format): a record that carries a format id and its values
/// renders the line the same pieces and values make as text and value segments, byte for byte.
final class MessageFormatTests: XCTestCase {
    /// A format of pieces; fails the test when refused.
    private func register(_ pieces: [[UInt8]], file: StaticString = #filePath, line: UInt = #line) -> UInt32 {
        let id = registerFormat(pieces)
        XCTAssertNotEqual(id, 0, "registered", file: file, line: line)
        return id
    }

    /// The same lines with the time in place of each stamp: two runs compare as bytes.
    private func lines(_ path: String) throws -> [String] {
        try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self).split(separator: "\n").map {
            $0.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"#, with: "TIME", options: .regularExpression)
        }
    }

    /// Logs each message of segments at info, in format, through a core of its own.
    private func logged(_ messages: [Segments], format: Int32, synchronous: Bool = false) throws -> [String] {
        let path = temporaryLogPath(self, "format-\(format)")
        let core = try openCore(path: path) { options in
            options.format = format
            options.synchronous = synchronous ? 1 : 0
            options.ring_bytes = 1 << 20
            options.overflow = Int32(SLUICE_OVERFLOW_BLOCK)
        }
        let module = sluice_module(core.pointer, "api")
        for message in messages {
            message.bytes.withUnsafeBytes {
                XCTAssertEqual(sluice_log_segments(core.pointer, Int32(SLUICE_INFO), module, $0.baseAddress, $0.count), Int32(SLUICE_OK))
            }
        }
        sluice_free(core.pointer)
        return try lines(path)
    }

    func testAFormattedRecordIsTheLineOfItsPiecesAndValuesInEveryFormatOverTheHostileCorpus() throws {
        var formatted: [Segments] = [], spelled: [Segments] = []
        for bytes in hostileCorpus + [Array("connected id=".utf8), []] {
            let id = register([bytes, Array(" id=".utf8), Array(" peer=".utf8), bytes])
            var f = Segments(), s = Segments()
            f.formatID(id)
            f.int(-42); f.tagged(SLUICE_SEGMENT_TEXT, bytes); f.double(0.5)
            f.tag(SLUICE_SEGMENT_FIELDS); f.key("peer"); f.tagged(SLUICE_SEGMENT_TEXT, bytes)
            s.tagged(SLUICE_SEGMENT_TEXT, bytes); s.int(-42); s.text(" id="); s.tagged(SLUICE_SEGMENT_TEXT, bytes)
            s.text(" peer="); s.double(0.5); s.tagged(SLUICE_SEGMENT_TEXT, bytes)
            s.tag(SLUICE_SEGMENT_FIELDS); s.key("peer"); s.tagged(SLUICE_SEGMENT_TEXT, bytes)
            formatted.append(f)
            spelled.append(s)
        }
        for format in FormatTests.formats {
            let a = try logged(formatted, format: format.value), b = try logged(spelled, format: format.value)
            XCTAssertEqual(a.count, formatted.count, format.name)
            XCTAssertEqual(a, b, "\(format.name): byte for byte")
        }
        XCTAssertEqual(try logged(formatted, format: Int32(SLUICE_FORMAT_TEXT), synchronous: true),
                       try logged(spelled, format: Int32(SLUICE_FORMAT_TEXT)), "the synchronous rollback renders them too")
    }

    func testMissingExtraAndUnknownValuesEndOrContinueTheLineWithoutLeavingIt() throws {
        let id = register([Array("a=".utf8), Array(" b=".utf8), Array(" end".utf8)])
        var fewer = Segments(), more = Segments(), unknown = Segments(), none = Segments()
        fewer.formatID(id); fewer.int(1)
        more.formatID(id); more.int(1); more.int(2); more.int(3)
        unknown.formatID(0xfff0); unknown.int(7)
        none.formatID(register([Array("no arguments".utf8)]))
        let found = try logged([fewer, more, unknown, none], format: Int32(SLUICE_FORMAT_TEXT)).map { String($0.dropFirst(5)) }
        XCTAssertEqual(found, ["INFO api: a=1 b=", "INFO api: a=1 b=2 end3", "INFO api: 7", "INFO api: no arguments"])
    }

    func testARegistrationOutsideTheLimitsIsRefusedAndIdsAreDistinctAcrossThreads() {
        XCTAssertEqual(sluice_format(nil, nil, 0), 0, "no piece")
        let many = [UnsafePointer<CChar>?](repeating: nil, count: Int(SLUICE_FORMAT_PIECES_MAX) + 1)
        XCTAssertEqual(sluice_format(many, [Int](repeating: 0, count: many.count), many.count), 0, "too many pieces")
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: Int(SLUICE_FORMAT_BYTES_MAX) + 1)
        long.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                let pieces: [UnsafePointer<CChar>?] = [chars.baseAddress]
                XCTAssertEqual(sluice_format(pieces, [long.count], 1), 0, "too many bytes")
            }
        }
        nonisolated(unsafe) let ids = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 800)  // a slot per registration
        defer { ids.deallocate() }
        onThreads(8) { thread in
            for n in 0..<100 {
                ids[thread * 100 + n] = registerFormat([Array("thread \(thread) site \(n)".utf8)])
            }
        }
        let all = Array(ids)
        XCTAssertFalse(all.contains(0))
        XCTAssertEqual(Set(all).count, 800, "every registration its own id")
    }

    func testACallSiteRegistersOnceWhateverThreadsRaceItAndIsFoundByItsKeysAddress() {
        let keys = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)  // 64 sites' keys: their addresses
        defer { keys.deallocate() }
        for site in 0..<64 { XCTAssertEqual(sluice_format_of_site(keys.baseAddress! + site), SLUICE_SITE_UNKNOWN) }
        nonisolated(unsafe) let ids = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 8 * 64)
        defer { ids.deallocate() }
        nonisolated(unsafe) let base = keys.baseAddress!
        onThreads(8) { thread in
            for site in 0..<64 {
                let piece = Array("site \(site)".utf8).map { CChar(bitPattern: $0) }
                ids[thread * 64 + site] = piece.withUnsafeBufferPointer { chars in
                    let pieces: [UnsafePointer<CChar>?] = [chars.baseAddress]
                    return sluice_format_site(base + site, pieces, [chars.count], 1)
                }
            }
        }
        for site in 0..<64 {
            let found = (0..<8).map { ids[$0 * 64 + site] }
            XCTAssertNotEqual(found[0], 0)
            XCTAssertEqual(Set(found), [found[0]], "site \(site): one id, whichever thread registered it")
            XCTAssertEqual(sluice_format_of_site(base + site), found[0])
        }
        XCTAssertEqual(Set((0..<64).map { ids[$0] }).count, 64, "each site its own format")

        let refusedKey = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        defer { refusedKey.deallocate() }
        let many = [UnsafePointer<CChar>?](repeating: nil, count: Int(SLUICE_FORMAT_PIECES_MAX) + 1)
        XCTAssertEqual(sluice_format_site(refusedKey, many, [Int](repeating: 0, count: many.count), many.count), 0)
        XCTAssertEqual(sluice_format_of_site(refusedKey), 0, "a refused site is remembered as refused, not registered again")
    }
}

extension Segments {
    mutating func formatID(_ id: UInt32) {
        bytes.append(UInt8(SLUICE_SEGMENT_FORMAT))
        append(id)
    }
}

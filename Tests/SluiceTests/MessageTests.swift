import Foundation
import Logging
import CSluice
@testable import Sluice
import XCTest

struct Point: CustomStringConvertible {
    var x: Int, y: Int
    var description: String { "(\(x), \(y))" }
}

struct Opaque {
    var value = 7
}

/// A message renders exactly as Swift's own interpolation of the same values.
final class MessageTests: XCTestCase {
    func testIntegersStringsAndOtherValuesRenderAsSwiftWould() throws {
        let (core, path) = try openCore(self)
        let log = core.logger("messages")
        let name = "peer-\(42)"
        let sub = name.dropFirst(2)
        let point = Point(x: 1, y: -2)
        var expected: [String] = []
        func check(_ message: @autoclosure () -> SluiceMessage, _ text: String) {
            log.info(message())
            expected.append(text)
        }
        check("literal only", "literal only")
        check("", "")
        check("int=\(Int.min) \(Int.max) \(0) \(-1)", "int=\(Int.min) \(Int.max) \(0) \(-1)")
        check("u64=\(UInt64.max) i8=\(Int8.min) u8=\(UInt8.max) i32=\(Int32(-5))", "u64=\(UInt64.max) i8=\(Int8.min) u8=\(UInt8.max) i32=\(Int32(-5))")
        check("string=\(name) sub=\(sub) static=\("static" as StaticString)", "string=\(name) sub=\(sub) static=\("static" as StaticString)")
        check("bool=\(true) \(false)", "bool=\(true) \(false)")
        check("point=\(point) opaque=\(Opaque())", "point=\(point) opaque=\(Opaque())")
        check("unicode=\("é€😀") done", "unicode=\("é€😀") done")
        let long = String(repeating: "0123456789", count: 60)
        check("long=\(long) n=\(12345) end", "long=\(long) n=\(12345) end")
        XCTAssertTrue(core.flush())
        XCTAssertEqual(try messages(path), expected)
    }

    func testDoublesAndFloatsRenderExactlyAsInterpolationDoesIncludingEdgeValues() throws {
        var doubles: [Double] = [
            0, -0.0, .nan, -.nan, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
            .leastNormalMagnitude, .greatestFiniteMagnitude, 1e16, 1e15, 0.1, .pi, 1e-5, 0.0001, 2, -1.5, 123456.789,
        ]
        var generator = SystemRandomNumberGenerator()
        doubles += (0..<2000).map { _ in Double(bitPattern: generator.next()) }
        doubles += (0..<2000).map { _ in Double.random(in: -1e6...1e6) }
        let floats: [Float] = [0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, .pi, 1e16, 3.4028235e38]
        let (core, path) = try openCore(self, .init(level: .trace, queueBytes: 1 << 20, overflow: .block))
        let log = core.logger("floats")
        for d in doubles { log.info("d=\(d) x") }
        for f in floats { log.info("f=\(f)") }
        log.info("mixed id=\(7) op=\("GET") latency_us=\(Double(12345) / 8)")
        core.close()
        let expected = doubles.map { "d=\($0) x" } + floats.map { "f=\($0)" } + ["mixed id=7 op=GET latency_us=\(Double(12345) / 8)"]
        let written = try messages(path)
        XCTAssertEqual(written.count, expected.count)
        for (line, want) in zip(written, expected) where line != want {
            XCTFail("wrote \(line), interpolation gives \(want)")
        }
    }

    func testShortDecimalsRenderExactlyAsInterpolationDoes() throws {
        var generator = SystemRandomNumberGenerator()
        var doubles: [Double] = (0..<4000).map { Double($0) / 8 } + (0..<2000).map { Double($0) / 1000 }
        for digits in 0...7 {
            let scale = pow(10, Double(digits))
            doubles += (0..<1500).map { _ in Double(Int64.random(in: -999_999_999_999_999...999_999_999_999_999, using: &generator)) / scale }
            doubles += (0..<500).map { _ in Double(Int.random(in: -99_999...99_999, using: &generator)) / scale }
        }
        doubles += [1e-4, -1e-4, 9.99e-5, 0.00012, 999_999_999_999_999, 1e15, 1e15 - 0.5, 123_456_789_012_345.6,
                    0.1 + 0.2, 1.0 / 3, 4.35, 0.07, 100, -0.0]
        let (core, path) = try openCore(self, .init(level: .trace, queueBytes: 1 << 22, overflow: .block))
        let log = core.logger("decimals")
        for d in doubles { log.info("\(d)") }
        core.close()
        let written = try messages(path)
        XCTAssertEqual(written.count, doubles.count)
        var mismatches = 0
        for (line, d) in zip(written, doubles) where line != "\(d)" {
            mismatches += 1
            if mismatches <= 5 { XCTFail("wrote \(line), interpolation gives \(d)") }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testMetadataFollowsTheMessageInLogfmt() throws {
        let (core, path) = try openCore(self)
        let log = core.logger("meta")
        log.debug("frame", metadata: ["opcode": "\(2)", "peer": "10.0.0.1"])
        log.info("quoted n=\(1)", metadata: ["empty": "", "space": "a b", "quote": "say \"hi\"", "eq": "a=b", "slash": "c:\\d"])
        log.info("no metadata", metadata: [:])
        core.close()
        XCTAssertEqual(try messages(path), [
            "frame opcode=2 peer=10.0.0.1",
            // Quoted per logfmt, each backslash and quote escaped once.
            #"quoted n=1 empty="" eq="a=b" quote="say \"hi\"" slash="c:\\d" space="a b""#,
            "no metadata",
        ])
    }

    func testMetadataKeysComeInOrderAtEveryDepthWhateverTheirNumber() throws {
        let (core, path) = try openCore(self)
        let log = core.logger("order")
        var generator = SystemRandomNumberGenerator()
        var expected: [String] = []
        for count in [1, 2, 3, 7, 40] {
            let keys = (0..<count).map { String(format: "k%02d", $0) }
            var metadata: Logger.Metadata = [:]
            for key in keys.shuffled(using: &generator) { metadata[key] = .string(key.uppercased()) }
            metadata["nested"] = .dictionary(["z": "1", "a": "2", "m": ["y": "3", "b": "4"]])
            log.info("n=\(count)", metadata: metadata)
            let fields = (keys + ["nested"]).sorted().map { key in
                key == "nested" ? #"nested="[\"a\": 2, \"m\": [\"b\": 4, \"y\": 3], \"z\": 1]""# : "\(key)=\(key.uppercased())"
            }
            expected.append("n=\(count) " + fields.joined(separator: " "))
        }
        core.close()
        XCTAssertEqual(try messages(path), expected)
    }

    func testLargeStringsRenderExactlyWhetherKeptByReferenceOrCopied() throws {
        let (core, path) = try openCore(self)
        let log = core.logger("large")
        let kilobyte = String(repeating: "k", count: 1024)
        let other = String(repeating: "0123456789", count: 40)
        var expected: [String] = []
        func check(_ message: @autoclosure () -> SluiceMessage, _ text: String) {
            log.info(message())
            expected.append(text)
        }
        check("\(kilobyte)", kilobyte)  // the whole message: plain text
        check("id=\(7) body=\(kilobyte) n=\(1.5) end", "id=7 body=\(kilobyte) n=1.5 end")
        check("a=\(kilobyte) b=\(other) c=\(other)", "a=\(kilobyte) b=\(other) c=\(other)")  // one kept, the others copied
        check("\(String(repeating: "x", count: 250))\(kilobyte)", String(repeating: "x", count: 250) + kilobyte)
        var original: SluiceMessage = "head \(kilobyte)"
        let copy = original
        original.appendLiteral(" more")
        log.info(copy)
        expected.append("head \(kilobyte)")
        log.info(original)
        expected.append("head \(kilobyte) more")
        log.info("with metadata \(kilobyte)", metadata: ["k": "v"])
        expected.append("with metadata \(kilobyte) k=v")
        XCTAssertTrue(core.flush())
        XCTAssertEqual(try messages(path), expected)
    }

    func testAMessageEndingInAValueCarriesNoEmptyTextSegment() {
        var message: SluiceMessage = "id=\(7)"
        let bytes = message.buffer.withBytes { bytes, segments in
            XCTAssertTrue(segments)
            return Array(bytes)
        }
        // TEXT "id=" (tag, length 3, the bytes), then INT 7: the empty literal after it adds nothing.
        let expected: [UInt8] = [UInt8(SLUICE_SEGMENT_TEXT), 3, 0, 0, 0] + Array("id=".utf8)
            + [UInt8(SLUICE_SEGMENT_INT), 7, 0, 0, 0, 0, 0, 0, 0]
        XCTAssertEqual(bytes, expected)
    }

    func testAMessageIsSendableAndTextPastTheLargestMessageIsCutNotATrap() throws {
        func send<Message: Sendable>(_ message: Message) -> Message { message }
        let size = Int(UInt32.max) + 1
        let region = try XCTUnwrap(mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        XCTAssertNotEqual(region, MAP_FAILED)
        defer { munmap(region, size) }
        var message: SluiceMessage = "big "
        message.buffer.appendText(UnsafeRawPointer(region), size)  // 4 GiB + 1 of zero pages: never read past 256 MiB
        let (core, path) = try openCore(self)
        core.logger("big").info(send(message))
        core.close()
        let line = try XCTUnwrap(FileManager.default.contents(atPath: path))
        let marker = " [sluice: truncated to \(sluice_max_message(core.pointer)) of \(SegmentBuffer.largestMessage - 5) bytes]\n"
        XCTAssertTrue(line.suffix(marker.utf8.count).elementsEqual(marker.utf8),
                      String(decoding: line.suffix(80), as: UTF8.self))
    }

    /// A message's description is its text as a text line shows it.
    func testAMessagesDescriptionIsItsTextAsALineShowsIt() {
        let id = 42, ratio = 0.25, ok = true, name = "tab\there"
        let message: SluiceMessage = "id=\(id) ratio=\(ratio) ok=\(ok) name=\(name) big=\(UInt64.max) f=\(Float(1.5))"
        XCTAssertEqual(message.description, "id=42 ratio=0.25 ok=true name=tab\\there big=18446744073709551615 f=1.5")
        XCTAssertEqual(("plain" as SluiceMessage).description, "plain")
        XCTAssertEqual(SluiceMessage(String(repeating: "é", count: 300)).description, String(repeating: "é", count: 300))
    }
}

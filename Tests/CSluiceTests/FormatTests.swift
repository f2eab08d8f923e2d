import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The three line formats: what each writes of a record and its fields, and that no
/// input, however hostile or malformed, gets out of its line or out of valid JSON.
final class FormatTests: XCTestCase {
    static let formats: [(name: String, value: Int32)] = [
        ("text", Int32(SLUICE_FORMAT_TEXT)), ("logfmt", Int32(SLUICE_FORMAT_LOGFMT)), ("json", Int32(SLUICE_FORMAT_JSON)),
    ]

    /// A message with a value, then fields of every kind.
    static var everyKindOfField: Segments {
        var s = Segments()
        s.text("took ")
        s.int(42)
        s.text(" ms")
        s.tag(SLUICE_SEGMENT_FIELDS)
        s.tagged(SLUICE_SEGMENT_SOURCE, Array("api.core".utf8))
        s.location(file: "Api/Routes.swift", line: 17, function: "serve(_:)")
        s.key("peer"); s.text("10.0.0.1")
        s.key("n"); s.int(-3)
        s.key("ok"); s.bool(true)
        s.key("ratio"); s.double(0.25)
        s.key("nan"); s.double(.nan)
        s.key("user"); s.tag(SLUICE_SEGMENT_OBJECT)
        s.key("id"); s.uint(7)
        s.key("tags"); s.tag(SLUICE_SEGMENT_ARRAY); s.text("a"); s.text("b c"); s.tag(SLUICE_SEGMENT_END)
        s.tag(SLUICE_SEGMENT_END)
        s.key("level"); s.text("mine")
        s.key("empty"); s.tag(SLUICE_SEGMENT_OBJECT); s.tag(SLUICE_SEGMENT_END)
        s.key("say"); s.text("\"hi\" \\ there")
        return s
    }

    func testEachFormatWritesTheMessageTheLinesOwnFieldsAndEveryKindOfField() throws {
        var lines: [String: String] = [:]
        for format in Self.formats {
            let path = temporaryLogPath(self, "fields-\(format.name)")
            let core = try openCore(path: path, format: format.value)
            let module = sluice_module(core.pointer, "api")
            Self.everyKindOfField.bytes.withUnsafeBytes {
                _ = sluice_log_segments(core.pointer, Int32(SLUICE_WARNING), module, $0.baseAddress, $0.count)
            }
            sluice_free(core.pointer)
            lines[format.name] = try String(contentsOfFile: path, encoding: .utf8)
        }
        let stamp = #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"#
        let text = try XCTUnwrap(lines["text"])
        XCTAssertNotNil(text.range(of: "^\(stamp) ", options: .regularExpression))
        XCTAssertEqual(String(text.dropFirst(28)), #"""
            WARNING api: took 42 ms file=Api/Routes.swift line=17 function=serve(_:) peer=10.0.0.1 n=-3 ok=true \#
            ratio=0.25 nan=nan user="[\"id\": 7, \"tags\": [a, b c]]" fields.level=mine empty="[:]" \#
            say="\"hi\" \\ there"

            """#, "text leaves the source out: the line names its module")
        let logfmt = try XCTUnwrap(lines["logfmt"])
        XCTAssertNotNil(logfmt.range(of: "^ts=\(stamp) ", options: .regularExpression))
        XCTAssertEqual(String(logfmt.dropFirst(31)), #"""
            level=warning module=api msg="took 42 ms" source=api.core file=Api/Routes.swift line=17 function=serve(_:) \#
            peer=10.0.0.1 n=-3 ok=true ratio=0.25 nan=nan user="[\"id\": 7, \"tags\": [a, b c]]" fields.level=mine \#
            empty="[:]" say="\"hi\" \\ there"

            """#)
        let json = try XCTUnwrap(lines["json"])
        XCTAssertTrue(json.hasSuffix("}\n"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertNotNil((object["ts"] as? String)?.range(of: "^\(stamp)$", options: .regularExpression))
        XCTAssertEqual(object["level"] as? String, "warning")
        XCTAssertEqual(object["module"] as? String, "api")
        XCTAssertEqual(object["msg"] as? String, "took 42 ms")
        XCTAssertEqual(object["thread"] as? Int, Int(sluice_test_thread_id()), "the id of the thread that logged")
        XCTAssertEqual(object["source"] as? String, "api.core")
        XCTAssertEqual(object["file"] as? String, "Api/Routes.swift")
        XCTAssertEqual(object["line"] as? Int, 17)
        XCTAssertEqual(object["function"] as? String, "serve(_:)")
        XCTAssertEqual(object["peer"] as? String, "10.0.0.1")
        XCTAssertEqual(object["n"] as? Int, -3)
        XCTAssertEqual(object["ok"] as? Bool, true)
        XCTAssertEqual(object["ratio"] as? Double, 0.25)
        XCTAssertEqual(object["nan"] as? String, "nan", "not a number is no JSON number: a string")
        let user = try XCTUnwrap(object["user"] as? [String: Any])
        XCTAssertEqual(user["id"] as? Int, 7)
        XCTAssertEqual(user["tags"] as? [String], ["a", "b c"])
        XCTAssertEqual(object["fields.level"] as? String, "mine", "a key the line writes itself is not written twice")
        XCTAssertEqual((object["empty"] as? [String: Any])?.count, 0)
        XCTAssertEqual(object["say"] as? String, "\"hi\" \\ there")
        XCTAssertEqual(object.count, 18)
        XCTAssertTrue(json.hasPrefix(#"{"ts":""#) && json.contains(#""level":"warning","module":"api","msg":"took 42 ms","thread":"#),
                      "ts, level, module, msg and thread come first, in that order: \(json)")
    }

    /// A key renamed for naming one of the line's own ("msg" as "fields.msg") can meet a key
    /// the metadata holds already ("fields.msg"): that one gets a further prefix, so no key
    /// is written twice and each value keeps a key of its own.
    func testARenamedKeyNeverMeetsAMetadataKeyOfTheSameName() throws {
        var s = Segments()
        s.text("hello")
        s.tag(SLUICE_SEGMENT_FIELDS)
        s.key("fields.fields.msg"); s.text("c")
        s.key("fields.msg"); s.text("b")
        s.key("msg"); s.text("a")
        for format in Self.formats {
            let path = temporaryLogPath(self, "renamed-\(format.name)")
            let core = try openCore(path: path, format: format.value)
            let module = sluice_module(core.pointer, "api")
            s.bytes.withUnsafeBytes { _ = sluice_log_segments(core.pointer, Int32(SLUICE_INFO), module, $0.baseAddress, $0.count) }
            sluice_free(core.pointer)
            let line = try String(contentsOfFile: path, encoding: .utf8)
            let separator = format.name == "json" ? "\"" : " "
            for key in ["fields.msg", "fields.fields.msg", "fields.fields.fields.msg"] {
                XCTAssertEqual(line.components(separatedBy: separator + key + (format.name == "json" ? "\":" : "=")).count, 2,
                               "\(format.name): \(key) once in \(line)")
            }
            if format.name == "json" {
                let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                XCTAssertEqual(object["msg"] as? String, "hello")
                XCTAssertEqual(object["fields.msg"] as? String, "a")
                XCTAssertEqual(object["fields.fields.msg"] as? String, "b")
                XCTAssertEqual(object["fields.fields.fields.msg"] as? String, "c")
            }
        }
    }

    func testTheHostileCorpusStaysOnOneSafeLineInEveryFormatAndRoundTripsThroughJSONAndLogfmt() throws {
        var corpus: [[UInt8]] = hostileCorpus
        var random = SplitMix(seed: 0x5eed_1234)
        for length in 0..<400 {
            corpus.append((0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        }
        for format in Self.formats {
            let path = temporaryLogPath(self, "hostile-\(format.name)")
            let core = try openCore(path: path, ringBytes: 1 << 20, overflow: Int32(SLUICE_OVERFLOW_BLOCK), format: format.value)
            let module = sluice_module(core.pointer, "hostile")
            for bytes in corpus {
                log(core, module, bytes)
                var s = Segments()  // the same bytes as a field's key and value, and in a nested array
                s.tagged(SLUICE_SEGMENT_TEXT, bytes)
                s.tag(SLUICE_SEGMENT_FIELDS)
                s.tagged(SLUICE_SEGMENT_KEY, bytes)
                s.tagged(SLUICE_SEGMENT_TEXT, bytes)
                s.key("nested")
                s.tag(SLUICE_SEGMENT_ARRAY)
                s.tagged(SLUICE_SEGMENT_TEXT, bytes)
                s.tag(SLUICE_SEGMENT_END)
                s.bytes.withUnsafeBytes { _ = sluice_log_segments(core.pointer, Int32(SLUICE_INFO), module, $0.baseAddress, $0.count) }
            }
            sluice_free(core.pointer)
            let lines = try fileLines(path)
            XCTAssertEqual(lines.count, 2 * corpus.count, format.name)
            for (index, line) in lines.enumerated() {
                let original = corpus[index / 2]
                assertOneSafeLine(line, "\(format.name), record \(index)")
                guard let text = String(validating: original, as: UTF8.self) else { continue }
                switch format.name {
                case "json":
                    // JSONDecoder, not JSONSerialization: the latter drops a leading U+FEFF from strings.
                    let object = try JSONDecoder().decode([String: JSONValue].self, from: Data(line))
                    XCTAssertEqual(object["msg"], .string(text), "record \(index): the message comes back exactly")
                    if index % 2 == 1 {
                        let key = ["ts", "level", "module", "msg", "thread", "nested"].contains(text) ? "fields.\(text)" : text
                        if key != "nested" && key != "fields.nested" {
                            XCTAssertEqual(object[key], .string(text), "record \(index): the field comes back exactly")
                        }
                        XCTAssertEqual(object["nested"], .array([.string(text)]))
                    }
                case "logfmt":
                    XCTAssertEqual(logfmtMessage(line), text, "record \(index): the message comes back exactly")
                default:
                    break
                }
            }
        }
    }

    func testMalformedAndCutFieldsEndTheFieldsButNeverTheLineOrTheJSON() throws {
        var random = SplitMix(seed: 0xf1e1_d5)
        var records: [[UInt8]] = []
        for _ in 0..<3000 {
            var s = Self.everyKindOfField
            switch random.next() % 4 {
            case 0: s.bytes = Array(s.bytes.prefix(Int(random.next() % UInt64(s.bytes.count))))  // cut anywhere
            case 1: s.bytes[Int(random.next() % UInt64(s.bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            case 2:  // deep nesting, unclosed, and stray ends
                s.key("deep")
                for _ in 0..<Int(random.next() % 40) { s.tag(random.next() % 2 == 0 ? SLUICE_SEGMENT_ARRAY : SLUICE_SEGMENT_OBJECT) }
                for _ in 0..<Int(random.next() % 40) { s.tag(SLUICE_SEGMENT_END) }
            default:  // random bytes after the fields tag
                s.bytes += (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next() % 16) }
            }
            records.append(s.bytes)
        }
        for format in Self.formats {
            let path = temporaryLogPath(self, "malformed-\(format.name)")
            let core = try openCore(path: path, ringBytes: 1 << 20, overflow: Int32(SLUICE_OVERFLOW_BLOCK), format: format.value)
            let module = sluice_module(core.pointer, "malformed")
            for record in records {
                record.withUnsafeBytes { _ = sluice_log_segments(core.pointer, Int32(SLUICE_INFO), module, $0.baseAddress, $0.count) }
            }
            sluice_free(core.pointer)
            let lines = try fileLines(path)
            XCTAssertEqual(lines.count, records.count, format.name)
            for (index, line) in lines.enumerated() {
                assertOneSafeLine(line, "\(format.name), record \(index)")
                if format.name == "json" {
                    XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line)),
                                     "record \(index): \(String(decoding: line, as: UTF8.self))")
                }
            }
        }
    }

    func testACutRecordAndADropReportAreValidJSONLines() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 4096, format: Int32(SLUICE_FORMAT_JSON))
        let module = sluice_module(core.pointer, "cut")
        var s = Segments()
        s.text("big")
        s.tag(SLUICE_SEGMENT_FIELDS)
        s.key("deep"); s.tag(SLUICE_SEGMENT_OBJECT); s.key("list"); s.tag(SLUICE_SEGMENT_ARRAY)
        s.text(String(repeating: "x\n", count: 2000))  // past the ring's largest message: cut inside the array
        s.bytes.withUnsafeBytes { _ = sluice_log_segments(core.pointer, Int32(SLUICE_ERROR), module, $0.baseAddress, $0.count) }
        sluice_flush(core.pointer, -1)
        var logged = 0
        while counters(core).dropped_full == 0 && logged < 100_000 {  // fill the ring faster than the writer drains it
            log(core, module, String(repeating: "y", count: 200))
            logged += 1
        }
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)
        let objects = try fileLines(path).map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
        let cut = try XCTUnwrap(objects.first)
        XCTAssertTrue((cut["msg"] as? String)?.hasPrefix("big [sluice: truncated to ") == true, "\(cut)")
        XCTAssertNotNil((cut["deep"] as? [String: Any])?["list"] as? [String], "what fit, its brackets closed")
        let reports = objects.filter { $0["module"] as? String == "sluice" }
        XCTAssertFalse(reports.isEmpty)
        XCTAssertEqual(reports.compactMap { $0["dropped"] as? Int }.reduce(0, +), Int(c.dropped_full),
                       "each report carries its count as a number")
        XCTAssertEqual(reports.first?["level"] as? String, "warning")
    }
}

/// Each line of the file, without its newline; fails on a file that does not end in one.
func fileLines(_ path: String) throws -> [[UInt8]] {
    let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
    XCTAssertTrue(data.isEmpty || data.last == 0x0A, "the file ends with a whole line")
    return data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map(Array.init)
}

/// One line of valid UTF-8 without C0 or C1 controls, DEL or a line or paragraph separator.
func assertOneSafeLine(_ line: [UInt8], _ what: String, file: StaticString = #filePath, line number: UInt = #line) {
    guard let text = String(validating: line, as: UTF8.self) else {
        XCTFail("\(what): not valid UTF-8", file: file, line: number)
        return
    }
    let unsafe = text.unicodeScalars.first { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" }
    XCTAssertNil(unsafe, "\(what): \(text)", file: file, line: number)
}

/// The msg of a logfmt line, unquoted by logfmt's rules and Sluice's escapes (\xHH, \u2028).
func logfmtMessage(_ line: [UInt8]) -> String? {
    guard let start = line.firstRange(of: Array(#" msg=""#.utf8))?.upperBound else { return nil }
    var bytes: [UInt8] = []
    var i = start
    while i < line.count && line[i] != UInt8(ascii: "\"") {
        guard line[i] == UInt8(ascii: "\\") else { bytes.append(line[i]); i += 1; continue }
        let escape = line[i + 1]
        switch escape {
        case UInt8(ascii: "n"): bytes.append(0x0A); i += 2
        case UInt8(ascii: "r"): bytes.append(0x0D); i += 2
        case UInt8(ascii: "t"): bytes.append(0x09); i += 2
        case UInt8(ascii: "x"): bytes.append(UInt8(String(decoding: line[(i + 2)..<(i + 4)], as: UTF8.self), radix: 16)!); i += 4
        case UInt8(ascii: "u"):
            let scalar = Unicode.Scalar(UInt32(String(decoding: line[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16)!)!
            bytes += Array(String(scalar).utf8); i += 6
        default: bytes.append(escape); i += 2
        }
    }
    return String(validating: bytes, as: UTF8.self)
}

/// A small seeded generator: the same records on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension FormatTests {
    func testAnUnknownFormatOrSinkLevelOpensNothingAndSaysWhy() {
        XCTAssertThrowsError(try openCore(path: temporaryLogPath(self), format: 7)) { error in
            XCTAssertEqual("\(error)", "sluice: format 7 is none of SLUICE_FORMAT_TEXT (0), _LOGFMT (1), _JSON (2); nothing was opened")
        }
        var options = sluice_options()
        sluice_options_init(&options)
        var more = sluice_sink_options(path: nil, function: nil, level: 9, format: Int32(SLUICE_FORMAT_TEXT), stream_priority_prefix: 0, json_keys: nil)
        var error = [CChar](repeating: 0, count: 256)
        let core = withUnsafePointer(to: &more) { more -> OpaquePointer? in
            options.more_sinks = more
            options.more_sink_count = 1
            return sluice_open(&options, &error, error.count)
        }
        XCTAssertNil(core)
        XCTAssertEqual(cString(error), "sluice: sink 1 has level 9, not one of SLUICE_TRACE to _CRITICAL; nothing was opened")
    }
}

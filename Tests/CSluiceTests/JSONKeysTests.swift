import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// JSON lines under a collector's names (sluice_options.json_keys): each preset against the
/// shape of a line its collector's documentation gives, renames, and what is refused.
final class JSONKeysTests: XCTestCase {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let spanID = "00f067aa0ba902b7"

    /// One warning in the module "api" with a source location, a trace, a span, an error's fields
    /// and a key of the caller's, as the facade encodes them.
    static var tracedRecord: Segments {
        var s = Segments()
        s.text("upstream timed out")
        s.tag(SLUICE_SEGMENT_FIELDS)
        s.location(file: "Api/Routes.swift", line: 17, function: "serve(_:)")
        s.key("trace_id"); s.text(traceID)
        s.key("span_id"); s.text(spanID)
        s.key("error.message"); s.text("timed out")
        s.key("error.type"); s.text("NIOCore.ChannelError")
        s.key("attempt"); s.int(3)
        return s
    }

    /// The lines of records at levels, each a tracedRecord, written under keys.
    private func lines(_ keys: String, levels: [Int32] = [Int32(SLUICE_WARNING)], record: Segments = tracedRecord) throws -> [String] {
        let path = temporaryLogPath(self, "keys")
        let spec = strdup(keys)!
        defer { free(spec) }
        let core = try openCore(path: path) { options in
            options.format = Int32(SLUICE_FORMAT_JSON)
            options.json_keys = UnsafePointer(spec)
        }
        let module = sluice_module(core.pointer, "api")
        for level in levels {
            record.bytes.withUnsafeBytes { _ = sluice_log_segments(core.pointer, level, module, $0.baseAddress, $0.count) }
        }
        sluice_free(core.pointer)
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func object(_ line: String) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
    }

    /// Every member of documented, by name and kind of value, is in line: the collector finds
    /// what it looks for where it looks.
    private func assertShaped(like documented: String, _ line: String, file: StaticString = #filePath, line number: UInt = #line) throws {
        let expected = try object(documented), actual = try object(line)
        for (key, value) in expected {
            let kind = { (v: JSONValue?) -> String in
                switch v {
                case .string: "string"
                case .number: "number"
                case .bool: "bool"
                case .object: "object"
                case .array: "array"
                case .null: "null"
                case nil: "missing"
                }
            }
            XCTAssertEqual(kind(actual[key]), kind(value), "\(key) in \(line)", file: file, line: number)
        }
    }

    func testECSNamesTheMembersAsTheSpecificationDoesTheFirstThreeInItsOrder() throws {
        // The shape of the ecs-logging specification's example line, with the fields Sluice has.
        let documented = #"""
            {"@timestamp":"2026-12-07T13:04:05.123Z","log.level":"warning","message":"started","log.logger":"server",\#
            "process.thread.id":12,"ecs.version":"1.6.0","trace.id":"t","span.id":"s","error.message":"m","error.type":"t",\#
            "log.origin.file.name":"f","log.origin.file.line":1,"log.origin.function":"g"}
            """#
        let line = try XCTUnwrap(lines("ecs").first)
        try assertShaped(like: documented, line)
        XCTAssertTrue(line.hasPrefix(#"{"@timestamp":""#), line)
        XCTAssertTrue(line.contains(#"Z","log.level":"warning","message":"upstream timed out","log.logger":"api","#), line)
        let members = try object(line)
        XCTAssertEqual(members["ecs.version"], .string("1.6.0"))
        XCTAssertEqual(members["trace.id"], .string(Self.traceID))
        XCTAssertEqual(members["span.id"], .string(Self.spanID))
        XCTAssertEqual(members["log.origin.file.line"], .number(17))
        XCTAssertEqual(members["attempt"], .number(3))
        XCTAssertNil(members["ts"] ?? members["msg"] ?? members["trace_id"])
    }

    func testGoogleCloudWritesSeverityByItsNamesAndTheTraceAsItsResourceName() throws {
        // The shape of Cloud Logging's structured-logging example line.
        let documented = #"""
            {"severity":"ERROR","message":"There was an error.","time":"2026-12-07T13:04:05.123Z",\#
            "logging.googleapis.com/trace":"projects/p/traces/t","logging.googleapis.com/spanId":"s"}
            """#
        let levels = (Int32(SLUICE_TRACE)...Int32(SLUICE_CRITICAL)).map { $0 }
        let found = try lines("gcp:my-project", levels: levels)
        for line in found {
            try assertShaped(like: documented, line)
        }
        XCTAssertEqual(try found.map { try object($0)["severity"] }, ["DEBUG", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"].map { .string($0) })
        let members = try object(found[0])
        XCTAssertEqual(members["logging.googleapis.com/trace"], .string("projects/my-project/traces/\(Self.traceID)"))
        XCTAssertEqual(members["logging.googleapis.com/spanId"], .string(Self.spanID))
        XCTAssertEqual(members["module"], .string("api"))

        let bare = try object(XCTUnwrap(lines("gcp").first))  // no project: the id as it is
        XCTAssertEqual(bare["logging.googleapis.com/trace"], .string(Self.traceID))
    }

    func testDatadogWritesTheIdsAsTheDecimalOfTheirLow64Bits() throws {
        // The shape of Datadog's JSON log with trace correlation.
        let documented = #"""
            {"timestamp":"2026-12-07T13:04:05.123Z","status":"warning","message":"m","logger.name":"api",\#
            "logger.thread_name":7,"dd.trace_id":"1","dd.span_id":"2","error.message":"m","error.kind":"k"}
            """#
        let line = try XCTUnwrap(lines("datadog").first)
        try assertShaped(like: documented, line)
        let members = try object(line)
        XCTAssertEqual(members["dd.trace_id"], .string(String(UInt64(Self.traceID.suffix(16), radix: 16)!)))
        XCTAssertEqual(members["dd.span_id"], .string(String(UInt64(Self.spanID, radix: 16)!)))
        XCTAssertEqual(members["dd.trace_id"], .string("11803532876627986230"))
        XCTAssertEqual(members["error.kind"], .string("NIOCore.ChannelError"))
        XCTAssertEqual(members["status"], .string("warning"))
    }

    func testRenamesApplyOnceAndAMetadataKeyNamedAsAMemberIsPrefixed() throws {
        var s = Segments()
        s.text("m")
        s.tag(SLUICE_SEGMENT_FIELDS)
        s.key("user"); s.text("first")
        s.key("user"); s.text("second")  // given twice: renamed the first time only
        s.key("time"); s.text("mine")  // the line's own time now
        s.key("ts"); s.text("free")  // no longer a member's name
        s.key("trace_id"); s.text("not-hex")
        let line = try XCTUnwrap(lines("ts=time,user=account,trace_id=dd.trace_id,level=severity", record: s).first)
        XCTAssertTrue(line.hasPrefix(#"{"time":""#), line)
        XCTAssertTrue(line.contains(#""severity":"WARNING","msg":"m","module":"api""#), line)
        XCTAssertTrue(line.hasSuffix(#","account":"first","user":"second","fields.time":"mine","ts":"free","dd.trace_id":"not-hex"}"#), line)
    }

    func testTheHostileCorpusStaysValidJSONUnderEveryPresetAndTheLongestNames() throws {
        let longest = ["ts", "level", "module", "msg"].map { "\($0)=\(String(repeating: "n", count: 57))\($0)" }
        for preset in ["ecs", "gcp:my-project", "datadog", longest.joined(separator: ",")] {
            for bytes in hostileCorpus {
                var s = Segments()
                s.tagged(SLUICE_SEGMENT_TEXT, bytes)
                s.tag(SLUICE_SEGMENT_FIELDS)
                for key in ["trace_id", "span_id", "error.type", "message", "fields.x"] {
                    s.key(key); s.tagged(SLUICE_SEGMENT_TEXT, bytes)
                }
                s.tagged(SLUICE_SEGMENT_KEY, bytes); s.tagged(SLUICE_SEGMENT_TEXT, bytes)
                for line in try lines(preset, record: s) {
                    assertOneSafeLine(Array(line.utf8), preset)
                    XCTAssertNoThrow(try object(line), "\(preset): \(line)")
                }
            }
        }
    }

    func testASpecificationThatCannotBeUsedIsRefusedWithWhatIsWrong() {
        let refused: [(String, String)] = [
            ("elastic", "expected from=to, or a preset"),
            ("msg=message,level=message", "two members would have one name in \"message\""),
            ("ecs:project", "only gcp takes a project"),
            ("ts=two words", "a name may hold printable ASCII"),
            ("ts=", "a name must have 1 to 63 bytes"),
            ((0..<17).map { "k\($0)=v\($0)" }.joined(separator: ","), "more than 16 metadata keys renamed"),
            ((0..<11).map { "k\($0)=\(String(repeating: "v", count: 30))\($0)" }.joined(separator: ","), "bytes longer, at most 256"),
        ]
        for (spec, reason) in refused {
            var error = [CChar](repeating: 0, count: 512)
            XCTAssertEqual(sluice_json_keys_check(spec, &error, error.count), Int32(SLUICE_INVALID), spec)
            XCTAssertTrue(cString(error).contains(reason), "\(spec): \(cString(error))")
            var options = sluice_options()
            sluice_options_init(&options)
            options.format = Int32(SLUICE_FORMAT_JSON)
            let opened = spec.withCString { spec -> OpaquePointer? in
                options.json_keys = spec
                return sluice_open(&options, &error, error.count)
            }
            XCTAssertNil(opened, spec)
            XCTAssertTrue(cString(error).hasSuffix("nothing was opened"), cString(error))
        }
        XCTAssertEqual(sluice_json_keys_check("gcp:my-project,span_id=span", nil, 0), Int32(SLUICE_OK))
    }
}

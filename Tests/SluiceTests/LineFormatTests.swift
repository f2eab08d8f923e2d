import Foundation
import Logging
import Sluice
import XCTest

/// The formats from Swift: what a swift-log record and a native one look like in JSON
/// and logfmt, and how the format is chosen.
final class LineFormatTests: XCTestCase {
    func testASwiftLogRecordInJSONCarriesItsLabelSourceLocationNestedMetadataAndError() throws {
        let (core, path) = try openCore(self, .init(level: .trace, format: .json, sourceLocation: true))
        let provider = Logger.MetadataProvider { ["trace-id": "abc"] }
        var logger = Logger(label: "ws.session") { SluiceLogHandler(label: $0, core: core, metadataProvider: provider) }
        logger[metadataKey: "conn"] = "7"
        let line = #line + 1
        logger.error("write failed", error: DiskFull(), metadata: [
            "user": ["id": .stringConvertible(42), "roles": ["admin", "ops"], "name": "Ann \"A\" Lee"],
            "latency": .stringConvertible(0.25), "retried": .stringConvertible(true), "msg": "mine",
        ])
        core.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
        XCTAssertEqual(object["level"] as? String, "error")
        XCTAssertEqual(object["module"] as? String, "ws.session", "the swift-log label")
        XCTAssertEqual(object["msg"] as? String, "write failed")
        XCTAssertGreaterThan(object["thread"] as? Int ?? 0, 0)
        XCTAssertEqual(object["source"] as? String, "SluiceTests", "swift-log's source: the caller's module")
        XCTAssertEqual(object["file"] as? String, "SluiceTests/LineFormatTests.swift")
        XCTAssertEqual(object["line"] as? Int, line)
        XCTAssertEqual(object["function"] as? String, #function)
        let user = try XCTUnwrap(object["user"] as? [String: Any], "a nested object, not a flattened string")
        XCTAssertEqual(user["id"] as? Int, 42)
        XCTAssertEqual(user["roles"] as? [String], ["admin", "ops"])
        XCTAssertEqual(user["name"] as? String, "Ann \"A\" Lee")
        XCTAssertEqual(object["latency"] as? Double, 0.25)
        XCTAssertEqual(object["retried"] as? Bool, true)
        XCTAssertEqual(object["fields.msg"] as? String, "mine", "metadata never repeats one of the line's own keys")
        XCTAssertEqual(object["error.message"] as? String, "disk full")
        XCTAssertEqual(object["error.type"] as? String, "SluiceTests.DiskFull")
        XCTAssertEqual(object["conn"] as? String, "7")
        XCTAssertEqual(object["trace-id"] as? String, "abc", "the metadata provider's too")
        XCTAssertEqual(object.count, 17, "nine of the line's own, eight of metadata: \(object.keys.sorted())")
    }

    func testNativeRecordsInLogfmtAndTextWriteMetadataAsPairsAndNestedValuesAsOneQuotedValue() throws {
        var outputs: [String] = []
        for format in [SluiceConfiguration.Format.logfmt, .text] {
            let (core, path) = try openCore(self, .init(level: .trace, format: format), name: "native-\(format)")
            core.logger("billing").notice("charged id=\(17)", metadata: ["amount": "9.50 EUR", "items": ["a", "b"]])
            var logger = Logger(label: "billing") { SluiceLogHandler(label: $0, core: core) }
            logger.logLevel = .info
            logger.info("from swift-log")
            core.close()
            outputs.append(try String(contentsOfFile: path, encoding: .utf8))
        }
        let logfmt = outputs[0].split(separator: "\n").map { $0.drop { $0 != " " }.dropFirst() }
        XCTAssertEqual(logfmt, [
            #"level=notice module=billing msg="charged id=17" amount="9.50 EUR" items="[a, b]""#,
            #"level=info module=billing msg="from swift-log" source=SluiceTests"#,
        ])
        XCTAssertTrue(outputs[0].hasPrefix("ts="))
        XCTAssertEqual(outputs[1].split(separator: "\n").map { $0.dropFirst(28) }, [
            #"NOTICE billing: charged id=17 amount="9.50 EUR" items="[a, b]""#,
            "INFO billing: from swift-log",
        ], "text is the line it always was: no source, metadata after the message")
    }

    func testTheFormatAndSourceLocationComeFromTheEnvironmentAndABadValueIsReported() {
        var reports: [String] = []
        let chosen = SluiceConfiguration().resolve(environment: ["LOG_FORMAT": "JSON", "LOG_SOURCE_LOCATION": "true"]) {
            reports.append($0)
        }
        XCTAssertEqual(chosen.format, .json)
        XCTAssertEqual(chosen.sourceLocation, true)
        XCTAssertEqual(reports, [])
        let bad = SluiceConfiguration().resolve(environment: ["LOG_FORMAT": "xml"]) { reports.append($0) }
        XCTAssertEqual(bad.format, .text)
        XCTAssertEqual(bad.sourceLocation, false)
        XCTAssertEqual(reports, [#"sluice: LOG_FORMAT="xml" is not text, logfmt or json; using text"#])
        let programmatic = SluiceConfiguration(format: .logfmt).resolve(environment: ["LOG_FORMAT": "json"]) { reports.append($0) }
        XCTAssertEqual(programmatic.format, .logfmt, "code wins over the environment")
    }

    func testAReconfigurationChangesTheFormatBetweenBatches() throws {
        let (core, path) = try openCore(self)
        core.logger("switch").info("as text")
        try core.reconfigure(.init(level: .trace, destination: .file(path), format: .json))
        core.logger("switch").info("as json")
        core.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasSuffix("INFO switch: as text"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        XCTAssertEqual(object["msg"] as? String, "as json")
    }

    /// A module named "" is shown as the empty name, never as a real module's ("-" is one).
    func testAnEmptyModuleNameIsNotAnotherModulesName() throws {
        for format in [SluiceConfiguration.Format.text, .json] {
            let (core, path) = try openCore(self, .init(level: .info, format: format), name: "empty-\(format)")
            Logger(label: "") { SluiceLogHandler(label: $0, core: core) }.info("from the empty label")
            core.logger("-").info("from the dash")
            core.close()
            XCTAssertNotNil(core.stats.modules[""], "a module of its own")
            XCTAssertEqual(core.stats.modules["-"]?.written, 1, "the dash module counts its own record only")
            let written = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            if format == .text {
                XCTAssertEqual(written.map { String($0.dropFirst(28)) }, ["INFO : from the empty label", "INFO -: from the dash"])
            } else {
                let modules = try written.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["module"] as? String }
                XCTAssertEqual(modules, ["", "-"])
            }
        }
    }

    /// Nested dictionaries render with sorted keys in every format, as the top level does: a
    /// line is the same in every process, whatever Swift's per-process hash seed.
    func testNestedDictionariesRenderWithSortedKeysInTextAndLogfmt() throws {
        let keys = ["kilo", "alpha", "juliet", "echo", "bravo", "hotel", "delta", "india", "charlie", "golf", "foxtrot"]
        let nested = Logger.Metadata(uniqueKeysWithValues: keys.map { ($0, .string("v")) })
        let sorted = keys.sorted().map { "\"\($0)\": v" }.joined(separator: ", ")
        for format in [SluiceConfiguration.Format.text, .logfmt] {
            let (core, path) = try openCore(self, .init(level: .info, format: format), name: "nested-\(format)")
            var deep = Logger.MetadataValue.dictionary(nested)  // past the 16 levels the core renders: a description
            for _ in 0..<20 { deep = .dictionary(["x": deep]) }
            core.logger("app").info("native", metadata: ["n": .dictionary(nested), "deep": .array([.dictionary(nested)])])
            core.logger("app").info("deep", metadata: ["n": .dictionary(nested), "z": deep])
            Logger(label: "app") { SluiceLogHandler(label: $0, core: core) }.info("swift-log", metadata: ["n": .dictionary(nested)])
            core.close()
            let written = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            for line in written {
                XCTAssertTrue(line.contains(#"n="[\#(sorted.replacingOccurrences(of: "\"", with: "\\\""))]""#), "\(format): \(line)")
            }
            XCTAssertEqual(written.count, 3)
            XCTAssertTrue(written[1].contains(sorted.replacingOccurrences(of: "\"", with: "\\\"") + "]]]"), "\(format): \(written[1])")
        }
    }
}

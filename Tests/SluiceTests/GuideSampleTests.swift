import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

/// Every ```swift block of the guides is compiled: it appears in GuideSamples.swift (or, when it
/// needs the glue products or the macros, in SluiceServiceTests/ServiceGuideSamples.swift or
/// SluiceMacrosTests/MacroGuideSamples.swift), line for line.
final class GuideSampleTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The lines that matter: trimmed, not blank, no import (those sit at the top of the samples).
    func significant(_ text: Substring) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("import ") }
    }

    func testEverySwiftBlockInTheGuidesIsInTheCompiledSamples() throws {
        // The samples that need the glue products or the macros compile in their own test targets.
        let sampleFiles = [
            "Tests/SluiceTests/GuideSamples.swift", "Tests/SluiceServiceTests/ServiceGuideSamples.swift",
            "Tests/SluiceMacrosTests/MacroGuideSamples.swift",
        ]
        let samples = try sampleFiles.flatMap { file in
            significant(Substring(try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)))
        }
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 } + ["README.md"]
        var blocks = 0
        for doc in docs {
            let text = try String(contentsOf: root.appendingPathComponent(doc), encoding: .utf8)
            for block in text.components(separatedBy: "```swift\n").dropFirst() {
                let lines = significant(Substring(block.components(separatedBy: "```")[0]))
                blocks += 1
                let found = samples.indices.contains { start in
                    start + lines.count <= samples.count && Array(samples[start..<start + lines.count]) == lines
                }
                XCTAssertTrue(found, "\(doc): a swift block not in GuideSamples.swift, starting \(lines.first ?? "")")
            }
        }
        XCTAssertGreaterThanOrEqual(blocks, 8, "the guides' samples were found")
    }

    /// Every ```c block compiles against sluice.h, its statements wrapped in a main.
    func testEveryCBlockInTheGuidesCompiles() throws {
        let docs = ["README.md"] + (try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("docs").path).filter { $0.hasSuffix(".md") }.map { "docs/" + $0 })
        var blocks = 0
        for doc in docs {
            let text = try String(contentsOf: root.appendingPathComponent(doc), encoding: .utf8)
            for block in text.components(separatedBy: "```c\n").dropFirst() {
                let lines = block.components(separatedBy: "```")[0].split(separator: "\n", omittingEmptySubsequences: false)
                let includes = lines.filter { $0.hasPrefix("#include") }.joined(separator: "\n")
                let body = lines.filter { !$0.hasPrefix("#include") }.joined(separator: "\n")
                let source = "#include <stdio.h>\n\(includes)\nint main(void)\n{\n\(body)\nreturn 0;\n}\n"
                let path = temporaryLogPath(self, "sample") + ".c"
                try source.write(toFile: path, atomically: true, encoding: .utf8)
                let result = try runExecutable(
                    "cc", at: "/usr/bin/cc",
                    ["-fsyntax-only", "-Wall", "-Werror", "-I", root.appendingPathComponent("CSources/CSluice/include").path, path])
                XCTAssertEqual(result.status, 0, "\(doc): a c block does not compile:\n\(result.err)")
                try? FileManager.default.removeItem(atPath: path)
                blocks += 1
            }
        }
        XCTAssertGreaterThanOrEqual(blocks, 1)
    }

    /// The shipping guide's JSON and logfmt examples are what Sluice writes for that record,
    /// keys in the order it writes them (sorted).
    func testTheShippingGuidesFormatExamplesAreWhatSluiceWrites() throws {
        let guide = try String(contentsOf: root.appendingPathComponent("docs/shipping-logs.md"), encoding: .utf8)
        let stamp = "2026-11-29T04:08:43.123456Z"
        for (format, start) in [(SluiceConfiguration.Format.json, #"{"ts":"\#(stamp)","level":"error""#),
                                (.logfmt, "ts=\(stamp) level=error module=ws.session")] {
            let example = try XCTUnwrap(guide.split(separator: "\n").first { $0.hasPrefix(start) }, "\(format)")
            let path = temporaryLogPath(self, "\(format)")
            let core = try SluiceCore(.init(level: .info, destination: .file(path), format: format))
            Logger(label: "ws.session") { SluiceLogHandler(label: $0, core: core) }.log(
                level: .error, "write failed",
                metadata: ["user": ["id": .stringConvertible(42), "roles": ["admin", "ops"]], "error.message": "disk full",
                           "error.type": "App.DiskFull"],
                source: "App")
            core.close()
            var written = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .newlines)
            written = written.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"#, with: stamp,
                                                   options: .regularExpression)
            written = written.replacingOccurrences(of: #""thread":\d+"#, with: #""thread":4711"#, options: .regularExpression)
            XCTAssertEqual(written, String(example), "\(format): the guide shows what Sluice writes")
        }
    }

    /// `sluice` refuses arguments it cannot parse (a pid that is no number, a missing one) with
    /// exit status 64 and its usage, and what it can parse but not do with one line and 2: the
    /// developer guide says both.
    func testTheGuideStatesTheToolsExitStatusesAsTheToolReturnsThem() throws {
        let guide = try String(contentsOf: root.appendingPathComponent("docs/developer-guide.md"), encoding: .utf8)
        let unparsable = try runExecutable("sluice", ["stat", "not-a-pid"])
        XCTAssertEqual(unparsable.status, 64)
        XCTAssertTrue(unparsable.err.contains("Usage: sluice stat"), unparsable.err)
        let missing = try runExecutable("sluice", ["level", "1"])
        XCTAssertEqual(missing.status, 64)
        let undoable = try runExecutable("sluice", ["level", "\(unusedPid())", "app", "loud"])
        XCTAssertEqual(undoable.status, 2)
        XCTAssertEqual(undoable.err.split(separator: "\n").count, 1, undoable.err)
        XCTAssertTrue(guide.contains("exit status 64"), "the developer guide names exit status 64 for arguments it cannot parse")
        XCTAssertTrue(guide.contains("exit status 2"))
    }
}

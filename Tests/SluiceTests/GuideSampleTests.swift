import Foundation
import SluiceTestSupport
import XCTest

/// Every ```swift block of the guides is compiled: it appears in GuideSamples.swift (or, when it
/// needs the glue products, in SluiceServiceTests/ServiceGuideSamples.swift), line for line.
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
        // The samples that need the glue products compile in their own test target.
        let sampleFiles = ["Tests/SluiceTests/GuideSamples.swift", "Tests/SluiceServiceTests/ServiceGuideSamples.swift"]
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
}

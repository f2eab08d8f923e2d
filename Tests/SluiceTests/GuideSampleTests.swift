import Foundation
import XCTest

/// Every ```swift block of the guides is compiled: it appears in GuideSamples.swift, line for line.
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
        let samples = significant(Substring(try String(
            contentsOf: root.appendingPathComponent("Tests/SluiceTests/GuideSamples.swift"), encoding: .utf8)))
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
}

import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

/// Formatted calls (SluiceFormat, log(level:format:_:)): the record carries a format id and its
/// values, and its line is the interpolated message's, byte for byte, in every format and path.
final class FormattedLogTests: XCTestCase {
    static let connected = SluiceFormat(["connected id=", " peer=", " ratio=", " ok=", " n=", " small=", ""])
    static let adjacent = SluiceFormat(["<", "", ">"])

    /// Each line with its time replaced: two runs compare as bytes.
    private func stamped(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"#, with: "TIME", options: .regularExpression)
                .replacingOccurrences(of: #""?thread"?[=:]"?\d+"?"#, with: "THREAD", options: .regularExpression)
        }
    }

    /// The lines body logs through a core of configuration, written to a file.
    private func logged(_ configuration: SluiceConfiguration, _ body: (SluiceLogger) -> Void) throws -> [String] {
        let (core, path) = try openCore(self, configuration, name: "formatted-\(UUID().uuidString)")
        var log = core.logger("api")
        log.metadataProvider = nil
        body(log)
        core.close()
        return try stamped(path)
    }

    static var peers: [String] {
        hostileCorpus.map { String(decoding: $0, as: UTF8.self) } + ["10.0.0.1", "", String(repeating: "é", count: 300)]
    }

    func testAFormattedCallWritesTheInterpolatedLineInEveryFormat() throws {
        for format in SluiceConfiguration.Format.allCases {
            let configuration = SluiceConfiguration(level: .trace, format: format)
            let interpolated = try logged(configuration) { log in
                for (n, peer) in Self.peers.enumerated() {
                    let ratio = Double(n) / 3, small = Float(n) / 7, id = n - 20, ok = n % 2 == 0
                    log.info("connected id=\(id) peer=\(peer) ratio=\(ratio) ok=\(ok) n=\(UInt8(n % 256)) small=\(small)")
                    log.info("<\(peer)\(String(n))>")
                }
            }
            let formatted = try logged(configuration) { log in
                for (n, peer) in Self.peers.enumerated() {
                    let ratio = Double(n) / 3, small = Float(n) / 7, id = n - 20, ok = n % 2 == 0
                    log.logValues(.info, Self.connected, [id, peer, ratio, ok, UInt8(n % 256), small])
                    log.logValues(.info, Self.adjacent, [peer, String(n)])
                }
            }
            XCTAssertEqual(formatted.count, 2 * Self.peers.count, "\(format)")
            XCTAssertEqual(formatted, interpolated, "\(format): byte for byte")
        }
    }

    func testWithFieldsOrAFlightRecorderTheLineIsStillTheSame() throws {
        let configuration = SluiceConfiguration(level: .info, format: .json, flightRecorder: 8)
        func run(_ formattedCalls: Bool) throws -> [String] {
            try logged(configuration) { log in
                var log = log
                log[metadataKey: "request"] = "42"  // attached: through a message, with its fields
                if formattedCalls {
                    log.logValues(.info, Self.connected, [1, "peer", 0.5, true, UInt8(2), Float(0.25)], metadata: ["n": "3"])
                    log.logValues(.debug, Self.adjacent, ["kept", "for the error"])  // below: recalled
                    log.logValues(.error, Self.adjacent, ["the", "error"])
                } else {
                    log.info("connected id=\(1) peer=\("peer") ratio=\(0.5) ok=\(true) n=\(UInt8(2)) small=\(Float(0.25))", metadata: ["n": "3"])
                    log.debug("<\("kept")\("for the error")>")
                    log.error("<\("the")\("error")>")
                }
            }
        }
        let formatted = try run(true), interpolated = try run(false)
        XCTAssertEqual(formatted.count, 3, "\(formatted)")
        XCTAssertTrue(formatted[1].contains(#""recalled":true"#), formatted[1])
        XCTAssertEqual(formatted, interpolated)
    }

    func testTheCallsOwnMetadataIsWrittenWhenNothingElseMakesFields() throws {
        let configuration = SluiceConfiguration(level: .info, format: .logfmt)
        let formatted = try logged(configuration) { log in
            log.logValues(.info, Self.adjacent, ["a", "b"], metadata: ["n": "3"])
        }
        let interpolated = try logged(configuration) { log in
            log.info("<\("a")\("b")>", metadata: ["n": "3"])
        }
        XCTAssertEqual(formatted, interpolated)
        XCTAssertTrue(formatted.first?.hasSuffix(" n=3") == true, "\(formatted)")
    }

    func testAFormatTheCoreRefusedWritesItsPiecesAsText() throws {
        let refused = SluiceFormat(Array(repeating: "x", count: 300))  // past SLUICE_FORMAT_PIECES_MAX
        XCTAssertEqual(refused.id, 0)
        let lines = try logged(SluiceConfiguration(level: .trace)) { log in
            log.logValues(.info, refused, [7])  // one value: the first two pieces and it
        }
        XCTAssertEqual(lines.map { String($0.dropFirst(5)) }, ["INFO api: x7x"])
    }
}

extension SluiceLogger {
    /// A formatted call as a log call built at compile time writes it, for any values: their
    /// sizes summed, each written after the last, and the same appended to a message.
    func logValues(_ level: Logger.Level, _ format: SluiceFormat, _ values: [any SluiceFormatValue], metadata: Logger.Metadata? = nil) {
        log(level: level, format: format, size: values.reduce(0) { $0 + $1.sluiceSegmentSize }, metadata: metadata) { at in
            var at = at
            for value in values {
                value.writeSluiceSegment(to: at)
                at += value.sluiceSegmentSize
            }
        } message: { message in
            for value in values { message.append(value) }
        }
    }
}

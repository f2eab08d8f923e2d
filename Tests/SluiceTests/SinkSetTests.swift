import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

/// Several sinks per core: each with its level, format and counters; one failing never
/// stops the others; every record each sink takes is in it once, in order.
final class SinkSetTests: XCTestCase {
    func testEverythingAsJSONToAFileAndWarningsAsTextToASecondSinkEachCountedApart() throws {
        let warnings = temporaryLogPath(self, "warnings")
        let (core, path) = try openCore(self, .init(
            level: .trace, format: .json, moreSinks: [.init(.file(warnings), level: .warning, format: .text)]))
        let log = core.logger("orders")
        for i in 0..<100 {
            log.log(level: i % 10 == 0 ? .error : i % 5 == 0 ? .warning : .info, "order \(i)")
        }
        core.flush()
        let stats = core.stats
        core.close()
        let everything = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(everything.count, 100)
        for (i, line) in everything.enumerated() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["msg"] as? String, "order \(i)")
        }
        let kept = try lines(warnings)
        XCTAssertEqual(kept, (0..<100).filter { $0 % 5 == 0 }.map { "\($0 % 10 == 0 ? "ERROR" : "WARNING") orders: order \($0)" })
        XCTAssertEqual(stats.sinks.map(\.name), [path, warnings])
        XCTAssertEqual(stats.sinks.map(\.level), [.trace, .warning])
        XCTAssertEqual(stats.sinks.map(\.format), [.json, .text])
        XCTAssertEqual(stats.sinks.map(\.written), [100, 20])
        XCTAssertEqual(stats.sinks[0].written, stats.counters.written, "the first sink's counts are the core's")
        XCTAssertEqual(stats.sinks[1].bytes, UInt64(try Data(contentsOf: URL(fileURLWithPath: warnings)).count))
        let prometheus = stats.prometheusText()
        XCTAssertTrue(prometheus.contains(#"sluice_sink_records_written_total{core="\#(stats.coreID)",sink="1",name="\#(warnings)"} 20"#))
    }

    func testAFailingSinkCostsItsOwnRecordsOnlyCountedAndReportedOnce() throws {
        var stats: SluiceStats?
        let path = temporaryLogPath(self)
        let stderr = try capturingStandardError {
            let core = try SluiceCore(.init(
                level: .trace, destination: .file(path), moreSinks: [.init(.file("/dev/full"), level: .info)]))
            let log = core.logger("disk")
            for i in 0..<300 {
                log.log(level: i % 3 == 0 ? .debug : .info, "record \(i)")
                if i % 50 == 49 { core.flush() }  // several batches: each fails on /dev/full
            }
            core.flush()
            stats = core.stats
            core.close()
        }
        let sinks = try XCTUnwrap(stats).sinks
        XCTAssertEqual(try lines(path).count, 300, "the first sink has every record")
        XCTAssertEqual(sinks[0].written, 300)
        XCTAssertEqual(sinks[0].writeErrors, 0)
        XCTAssertEqual(sinks[1].written, 0)
        XCTAssertEqual(sinks[1].dropped, 200, "the info records it took")
        XCTAssertGreaterThanOrEqual(sinks[1].writeErrors, 6)
        XCTAssertEqual(try XCTUnwrap(stats).counters.dropped, 0, "the core's own accounting is the first sink's")
        XCTAssertEqual(stderr.split(separator: "\n").filter { $0.contains("cannot write to '/dev/full'") }.count, 1, stderr)
    }

    func testEveryRecordIsInEachSinkThatTakesItOnceAndInOrderWithFourProducers() throws {
        let errors = temporaryLogPath(self, "errors")
        let (core, path) = try openCore(self, .init(
            level: .trace, queueBytes: 1 << 16, overflow: .block, format: .logfmt,
            moreSinks: [.init(.file(errors), level: .error, format: .json)]))
        let producers = 4, perProducer = underThreadSanitizer ? 3_000 : 30_000
        let logger = core.logger("load")
        onThreads(producers) { producer in
            for i in 0..<perProducer {
                logger.log(level: i % 7 == 0 ? .error : .debug, "p=\(producer) i=\(i)")
            }
        }
        core.close()
        let stats = core.stats
        func check(_ path: String, _ expected: (Int) -> Bool, _ parse: (Substring) -> (Int, Int)) throws {
            var next = [Int](repeating: 0, count: producers)
            var seen = 0
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
                let (producer, i) = parse(line)
                while !expected(next[producer]) { next[producer] += 1 }
                XCTAssertEqual(i, next[producer], "producer \(producer) in order, none lost or twice")
                next[producer] += 1
                seen += 1
            }
            XCTAssertEqual(seen, producers * (0..<perProducer).filter(expected).count)
        }
        func numbers(_ line: Substring, after prefix: String) -> (Int, Int) {
            let text = line[line.range(of: prefix)!.upperBound...]
            let parts = text.split(whereSeparator: { !$0.isNumber }).prefix(2).map { Int($0)! }
            return (parts[0], parts[1])
        }
        try check(path, { _ in true }) { numbers($0, after: "msg=\"p=") }
        try check(errors, { $0 % 7 == 0 }) { numbers($0, after: "\"msg\":\"p=") }
        XCTAssertEqual(stats.sinks.map(\.written), [UInt64(producers * perProducer), UInt64(producers * ((perProducer + 6) / 7))])
        XCTAssertEqual(stats.counters.accepted, stats.counters.written)
    }

    func testAReconfigurationAddsAndRemovesSinksBetweenBatches() throws {
        let second = temporaryLogPath(self, "second")
        let (core, path) = try openCore(self)
        let log = core.logger("switch")
        log.info("before")
        try core.reconfigure(.init(level: .trace, destination: .file(path), moreSinks: [.init(.file(second))]))
        log.info("during")
        try core.reconfigure(.init(level: .trace, destination: .file(path)))
        log.info("after")
        core.close()
        XCTAssertEqual(try messages(path), ["before", "during", "after"])
        XCTAssertEqual(try messages(second), ["during"])
        XCTAssertEqual(core.stats.sinks.count, 1)
    }

    func testStderrBesideTheLogFileComesFromTheEnvironment() {
        var reports: [String] = []
        let both = SluiceConfiguration().resolve(environment: [
            "LOG_FILE": "/var/log/app.log", "LOG_FORMAT": "json", "LOG_STDERR_LEVEL": "warning",
        ]) { reports.append($0) }
        XCTAssertEqual(both.format, .json)
        XCTAssertEqual(both.moreSinks, [.init(.standardError, level: .warning, format: .text)])
        XCTAssertEqual(reports, [])
        let alone = SluiceConfiguration().resolve(environment: ["LOG_STDERR_LEVEL": "warning"]) { reports.append($0) }
        XCTAssertEqual(alone.moreSinks, [])
        XCTAssertEqual(reports, [
            "sluice: LOG_STDERR_LEVEL and LOG_STDERR_FORMAT need LOG_FILE or LOG_SYSLOG: stderr is the only sink and takes every record; using LOG_LEVEL and LOG_FORMAT",
        ])
        let many = Array(repeating: SluiceConfiguration.Sink(.standardError), count: 4)
        XCTAssertThrowsError(try SluiceCore(.init(moreSinks: many))) { error in
            XCTAssertEqual("\(error)", "sluice: 4 more sinks asked for, at most 3; nothing was opened")
        }
    }
}

import Foundation
import Logging
import Synchronization
import Sluice
import SluiceTestSupport
import XCTest

/// A core changed in place: every logger it has, whenever made, follows the change.
final class ReconfigureTests: XCTestCase {
    func testEveryRecordLandsInExactlyOneSinkWhileLoggersAreMadeAndTheSinkChanges() throws {
        try everyRecordLandsInExactlyOneSink(synchronous: false)
    }

    func testEveryRecordOfASynchronousCoreLandsInExactlyOneSinkWhileTheSinkChanges() throws {
        try everyRecordLandsInExactlyOneSink(synchronous: true)
    }

    func everyRecordLandsInExactlyOneSink(synchronous: Bool, name: String = #function) throws {
        let (core, first) = try openCore(self, .init(level: .info, asynchronous: !synchronous, overflow: .block), name: name)
        let second = temporaryLogPath(self, "second")
        let producers = 4, perProducer = underThreadSanitizer ? 5_000 : 40_000
        let stop = Atomic<Bool>(false)
        onThreads(producers + 1) { index in
            guard index < producers else {
                // The sink moves back and forth while the producers log and make loggers.
                for round in 0..<20 {
                    try! core.reconfigure(.init(level: .info, asynchronous: !synchronous, destination: .file(round % 2 == 0 ? second : first), overflow: .block))
                }
                stop.store(true, ordering: .relaxed)
                return
            }
            for i in 0..<perProducer {
                core.logger("p\(index)-\(i % 50)").info("p\(index) \(i)")  // a logger made at every call
            }
        }
        XCTAssertTrue(stop.load(ordering: .relaxed))
        core.close()
        var seen = [[Int]](repeating: [], count: producers)
        for path in [first, second] {
            var last = [Int](repeating: -1, count: producers)
            for message in try messages(path) {
                let words = message.split(separator: " ")
                let producer = Int(words[0].dropFirst())!, i = Int(words[1])!
                XCTAssertGreaterThan(i, last[producer], "\(path): in order per producer")
                last[producer] = i
                seen[producer].append(i)
            }
        }
        for producer in 0..<producers {
            XCTAssertEqual(seen[producer].sorted(), Array(0..<perProducer), "producer \(producer): each record once")
        }
        let counters = core.counters
        XCTAssertEqual(counters.accepted, UInt64(producers * perProducer))
        XCTAssertEqual(counters.written, counters.accepted)
    }

    func testLevelsAndRatesOfExistingModulesFollowTheNewOptions() throws {
        let (core, path) = try openCore(self, .init(level: .info, moduleLevels: ["db": .error]))
        let db = core.logger("db"), web = core.logger("web")
        core.setLevel(.critical, module: "web")
        try core.reconfigure(.init(level: .warning, moduleLevels: ["db": .debug], moduleSampleRates: ["web": 0.5], destination: .file(path)))
        XCTAssertEqual(db.level, .debug)
        XCTAssertEqual(web.level, .critical, "a run-time change outlives a reconfiguration")
        core.resetLevel(module: "web")
        XCTAssertEqual(web.level, .warning, "until it is reset: then the new options' level")
        XCTAssertEqual(core.stats.modules["web"]?.sampleRate, 0.5)
        XCTAssertEqual(core.logger("new").level, .warning)
    }

    /// swift-log's `source` is derived per call only while a sink shows it (text lines do not).
    func testSwiftLogRecordsCarryTheirSourceOnceASinkShowsIt() throws {
        let (core, path) = try openCore(self, .init(level: .info))
        let logger = Logger(label: "api") { SluiceLogHandler(label: $0, core: core) }
        logger.info("as text")
        let json = temporaryLogPath(self, "json")
        try core.reconfigure(.init(level: .info, destination: .file(json), format: .json))
        logger.info("as json")
        try core.reconfigure(.init(level: .info, destination: .file(path), moreSinks: [.init(.file(json), format: .logfmt)]))
        logger.info("as text and logfmt")
        core.close()
        XCTAssertEqual(try lines(path), ["INFO api: as text", "INFO api: as text and logfmt"])
        let shown = try String(contentsOfFile: json, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(shown.count, 2)
        XCTAssertTrue(shown[0].contains(#""source":"SluiceTests""#), String(shown[0]))
        XCTAssertTrue(shown[1].contains("source=SluiceTests"), String(shown[1]))
    }

    func testAFileThatCannotBeOpenedChangesNothing() throws {
        let (core, path) = try openCore(self, .init(level: .info))
        let log = core.logger("app")
        XCTAssertThrowsError(try core.reconfigure(.init(level: .trace, destination: .file("/nonexistent-sluice/app.log")))) { error in
            XCTAssertEqual("\(error)", "sluice: cannot open log file '/nonexistent-sluice/app.log': No such file or directory")
        }
        log.debug("still filtered")
        log.info("still here")
        core.close()
        XCTAssertEqual(try lines(path), ["INFO app: still here"])
    }

    func testAClosedCoreOpensAgainWithItsCounts() throws {
        let (core, first) = try openCore(self, .init(level: .info))
        let log = core.logger("app")
        log.info("one")
        core.close()
        log.info("lost")
        let second = temporaryLogPath(self, "second")
        try core.reconfigure(.init(level: .info, destination: .file(second)))
        log.info("two")
        core.close()
        XCTAssertEqual(try lines(first), ["INFO app: one"])
        XCTAssertEqual(try lines(second), ["INFO app: two"])
        let counters = core.counters
        XCTAssertEqual([counters.accepted, counters.written, counters.droppedAfterClose], [3, 2, 1])
    }
}

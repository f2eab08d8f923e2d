import Foundation
import Logging
import Sluice
import SluiceTestSupport
import Synchronization
import XCTest

/// A sink that keeps every batch it was given, or refuses them, or blocks until told.
private final class Batches: SluiceSink {
    enum Behaviour { case take, refuse, block }
    let behaviour: Behaviour
    let taken = Mutex<[String]>([])
    let threads = Mutex<Set<UInt64>>([])
    private let release = DispatchSemaphore(value: 0)

    init(_ behaviour: Behaviour = .take) {
        self.behaviour = behaviour
    }

    func write(lines: UnsafeRawBufferPointer) -> Bool {
        threads.withLock { _ = $0.insert(UInt64(pthread_self())) }
        switch behaviour {
        case .take:
            taken.withLock { $0.append(String(decoding: lines, as: UTF8.self)) }
            return true
        case .refuse:
            return false
        case .block:
            release.wait()
            return true
        }
    }

    func letGo() {
        release.signal()
    }
}

final class CustomSinkTests: XCTestCase {
    func testACustomSinkTakesWholeLinesInItsFormatAndLevelOnTheWriterThreadAndIsCounted() throws {
        let sink = Batches()
        let (core, path) = try openCore(
            self, .init(level: .trace, moreSinks: [.init(.custom("mine", sink), level: .warning, format: .logfmt)]))
        let log = core.logger("api")
        for i in 0..<100 { log.info("info \(i)") }
        log.warning("slow", metadata: ["ms": "250"])
        XCTAssertTrue(core.flush())
        let stats = core.stats
        core.close()
        let batches = sink.taken.withLock { $0 }
        XCTAssertTrue(batches.allSatisfy { $0.hasSuffix("\n") }, "whole lines only")
        let lines = batches.joined().split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "warning and above only")
        XCTAssertNotNil(lines.first?.range(of: #"^ts=\S+ level=warning module=api msg="slow" ms=250$"#, options: .regularExpression),
                        "\(lines)")
        XCTAssertFalse(sink.threads.withLock { $0 }.contains(UInt64(pthread_self())),
                       "never on the logging thread")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count, 101)
        XCTAssertEqual(stats.sinks.map(\.name), [path, "mine"])
        XCTAssertEqual(stats.sinks[1].written, 1)
        XCTAssertEqual(stats.sinks[1].bytes, UInt64(lines[0].utf8.count + 1))
    }

    func testASinkThatRefusesCountsItsErrorsAndDropsWhileTheFirstSinkWritesOn() throws {
        let refusing = Batches(.refuse)
        let (core, path) = try openCore(self, .init(level: .trace, moreSinks: [.init(.custom("refusing", refusing))]))
        for i in 0..<10 { core.logger("api").info("record \(i)") }
        XCTAssertTrue(core.flush())
        let stats = core.stats
        core.close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count, 10)
        XCTAssertEqual(stats.sinks[1].written, 0)
        XCTAssertEqual(stats.sinks[1].dropped, 10, "its records are dropped by it, counted")
        XCTAssertGreaterThan(stats.sinks[1].writeErrors, 0)
        XCTAssertEqual(stats.counters.dropped, 0, "the first sink's counts are the core's")
    }

    func testASinkThatNeverReturnsIsBoundedByTheCloseTimeout() throws {
        let stuck = Batches(.block)
        let core = try SluiceCore(.init(level: .trace, destination: .custom("stuck", stuck), closeTimeout: .milliseconds(200)))
        core.logger("api").info("never taken")
        let start = ContinuousClock.now
        core.close()
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(10), "close gave up on the stuck write")
        XCTAssertEqual(core.counters.written, 0)
        stuck.letGo()  // the writer left behind returns into a sink its core kept alive
    }

    func testASynchronousCoreHandsEachLineToTheSinkOnTheCallersThread() throws {
        let sink = Batches()
        let core = try SluiceCore(.init(level: .trace, asynchronous: false, destination: .custom("mine", sink)))
        core.logger("api").info("now")
        XCTAssertEqual(sink.taken.withLock { $0 }.count, 1, "written before the call returned")
        XCTAssertTrue(sink.threads.withLock { $0 }.contains(UInt64(pthread_self())))
        core.close()
    }

    func testTheCaptureReadsBackLevelsModulesMessagesAndMetadata() throws {
        let capture = SluiceCapture()
        let core = try SluiceCore(capture.configuration(level: .debug))
        var log = core.logger("billing")
        log[metadataKey: "request"] = "r-17"
        log.trace("below the level")
        log.debug("cart", metadata: ["items": ["a", "b"], "user": ["id": "42"]])
        log.error("declined", error: DiskFull())
        XCTAssertTrue(core.flush())
        core.close()
        let records = capture.records
        XCTAssertEqual(records.map(\.level), [.debug, .error])
        XCTAssertEqual(records.map(\.module), ["billing", "billing"])
        XCTAssertEqual(records.map(\.message), ["cart", "declined"])
        XCTAssertEqual(records[0].metadata, ["items": ["a", "b"], "user": ["id": "42"], "request": "r-17"])
        XCTAssertEqual(records[1].metadata["error.type"], "SluiceTests.DiskFull")
        XCTAssertNotEqual(records[0].thread, 0)
        XCTAssertEqual(capture.jsonLines.count, 2)
        capture.reset()
        XCTAssertEqual(capture.records, [])
    }
}

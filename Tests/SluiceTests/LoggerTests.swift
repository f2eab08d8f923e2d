import Foundation
import Logging
import Sluice
import XCTest

final class Evaluations: @unchecked Sendable {
    var count = 0
    func touch() -> Int {
        count += 1
        return count
    }
}

final class LoggerTests: XCTestCase {
    func testBelowTheModuleLevelNothingIsEvaluatedOrWritten() throws {
        let (core, path) = try openCore(self, .init(level: .info))
        let log = core.logger("lazy")
        let evaluations = Evaluations()
        log.debug("costly \(evaluations.touch())", metadata: ["n": "\(evaluations.touch())"])
        log.trace("costly \(evaluations.touch())")
        XCTAssertEqual(evaluations.count, 0)
        log.info("cheap \(evaluations.touch())", metadata: ["n": "\(evaluations.touch())"])
        XCTAssertEqual(evaluations.count, 2)
        core.close()
        XCTAssertEqual(try lines(path), ["INFO lazy: cheap 1 n=2"])
        XCTAssertEqual(core.counters.accepted, 1, "a filtered call never reaches the core")
    }

    func testALevelChangeIsSeenByALoggerMadeEarlier() throws {
        let (core, path) = try openCore(self, .init(level: .info))
        let early = core.logger("resilient_websocket")
        early.debug("hidden")
        core.setLevel(.debug, module: "resilient_websocket")
        XCTAssertEqual(early.level, .debug)
        early.debug("shown")
        core.setLevel(.error, module: "resilient_websocket")
        early.warning("hidden too")
        early.error("shown too")
        core.close()
        XCTAssertEqual(try lines(path), ["DEBUG resilient_websocket: shown", "ERROR resilient_websocket: shown too"])
    }

    func testModulesTakeTheirConfiguredLevelByNormalizedName() throws {
        let (core, path) = try openCore(self, .init(level: .warning, moduleLevels: ["resilient-websocket.v2": .debug]))
        core.logger("resilient-websocket.v2").debug("matched by name")
        core.logger("RESILIENT_WEBSOCKET_V2").debug("the same environment name")
        core.logger("other").info("below the global level")
        core.close()
        XCTAssertEqual(try messages(path), ["matched by name", "the same environment name"])
        XCTAssertEqual(Sluice.environmentName(of: "resilient-websocket.v2"), "RESILIENT_WEBSOCKET_V2")
        XCTAssertEqual(Sluice.environmentName(of: "db pool/é1"), "DB_POOL__1")
    }

    func testTheSynchronousCoreWritesOnTheCallersThreadWithoutAWriterThread() throws {
        let threadsBefore = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count
        let (core, path) = try openCore(self, .init(level: .trace, asynchronous: false))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count, threadsBefore,
                       "no writer thread")
        let log = core.logger("rollback")
        for i in 0..<50 {
            log.info("record \(i) ratio=\(Double(i) / 4)")
            XCTAssertEqual(try messages(path).last, "record \(i) ratio=\(Double(i) / 4)", "written before the call returned")
        }
        XCTAssertEqual(core.counters.written, 50)
    }
}

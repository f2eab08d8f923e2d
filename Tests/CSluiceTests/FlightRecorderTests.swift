import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// Records below their level, kept in memory and written just before the next error.
final class FlightRecorderTests: XCTestCase {
    func openRecorder(_ path: String, records: UInt32, format: Int32 = Int32(SLUICE_FORMAT_TEXT)) throws -> Core {
        try openCore(path: path) { options in
            options.flight_recorder_records = records
            options.format = format
        }
    }

    static func keep(_ core: Core, _ module: Int32, _ text: String, level: Int32 = Int32(SLUICE_DEBUG)) {
        let bytes = Array(text.utf8)
        XCTAssertEqual(bytes.withUnsafeBytes { sluice_flight_keep(core.pointer, level, module, $0.baseAddress, $0.count, 0) },
                       Int32(SLUICE_OK))
    }

    func testAnErrorWritesTheMostRecentKeptRecordsBeforeItOldestFirstAndEmptiesTheRecorder() throws {
        let path = temporaryLogPath(self)
        let core = try openRecorder(path, records: 100)
        let module = sluice_module(core.pointer, "db")
        for i in 0..<150 { Self.keep(core, module, "query \(i)") }
        log(core, module, "boom 1", level: Int32(SLUICE_ERROR))
        log(core, module, "boom 2", level: Int32(SLUICE_CRITICAL))
        log(core, module, "info between", level: Int32(SLUICE_INFO))
        for i in 0..<5 { Self.keep(core, module, "late \(i)", level: Int32(SLUICE_TRACE)) }
        Self.keep(core, module, String(repeating: "x", count: 2000))  // longer than a slot: cut, and marked so
        log(core, module, "boom 3", level: Int32(SLUICE_ERROR))
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)
        let lines = readLines(path)
        let shown = lines.map { "\($0.level) \(String(decoding: $0.message, as: UTF8.self).prefix(40))" }
        let expected = (50..<150).map { "DEBUG [recalled] query \($0)" } + ["ERROR boom 1", "CRITICAL boom 2", "INFO info between"]
            + (0..<5).map { "TRACE [recalled] late \($0)" } + ["DEBUG [recalled] " + String(repeating: "x", count: 29), "ERROR boom 3"]
        XCTAssertEqual(shown, expected, "the last 100 kept, oldest first; a dump empties the recorder")
        XCTAssertTrue(String(decoding: lines[lines.count - 2].message, as: UTF8.self).hasSuffix(" [sluice: truncated to 472 of 2000 bytes]"),
                      "a slot keeps 472 bytes of message")
        XCTAssertEqual(c.accepted, c.written)
        XCTAssertEqual(c.written, UInt64(expected.count))
        let stamps = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.prefix(27) }
        XCTAssertEqual(Array(stamps.prefix(101)), Array(stamps.prefix(101)).sorted(), "each with the time it was logged at")
    }

    func testJSONMarksARecalledRecordAndKeepsItsThread() throws {
        let path = temporaryLogPath(self)
        let core = try openRecorder(path, records: 10, format: Int32(SLUICE_FORMAT_JSON))
        let module = sluice_module(core.pointer, "api")
        let keeper = Thread { FlightRecorderTests.keep(core, module, "from another thread") }
        keeper.start()
        while !keeper.isFinished { usleep(1000) }
        log(core, module, "failed", level: Int32(SLUICE_ERROR))
        sluice_free(core.pointer)
        let objects = try fileLines(path).map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
        XCTAssertEqual(objects.map { $0["msg"] as? String }, ["from another thread", "failed"])
        XCTAssertEqual(objects[0]["recalled"] as? Bool, true)
        XCTAssertNil(objects[1]["recalled"])
        XCTAssertNotEqual(objects[0]["thread"] as? Int, objects[1]["thread"] as? Int, "the thread that logged it")
    }

    func testKeepersAndErrorsOnManyThreadsRecallEachRecordAtMostOnce() throws {
        let path = temporaryLogPath(self)
        let core = try openRecorder(path, records: 64)
        let module = sluice_module(core.pointer, "busy")
        let keepers = 4, perKeeper = underThreadSanitizer ? 2_000 : 20_000
        onThreads(keepers + 1) { index in
            if index == keepers {
                for i in 0..<200 {
                    log(core, module, "error \(i)", level: Int32(SLUICE_ERROR))
                    usleep(100)
                }
            } else {
                for i in 0..<perKeeper { FlightRecorderTests.keep(core, module, "keeper \(index) \(i)") }
            }
        }
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)
        let messages = readLines(path).map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertEqual(messages.filter { $0.hasPrefix("error ") }, (0..<200).map { "error \($0)" })
        let recalled = messages.filter { $0.hasPrefix("[recalled] keeper ") }
        XCTAssertEqual(Set(recalled).count, recalled.count, "no record recalled twice")
        XCTAssertGreaterThan(recalled.count, 0)
        for keeper in 0..<keepers {  // each keeper's records in its order
            let numbers = recalled.filter { $0.hasPrefix("[recalled] keeper \(keeper) ") }.map { Int($0.split(separator: " ").last!)! }
            XCTAssertEqual(numbers, numbers.sorted())
        }
        XCTAssertEqual(c.accepted, c.written)
    }

    /// Keepers that log an error every 50 records race each other's dumps: a dump that
    /// meets a slot not filled in yet leaves it, and everything after it, to the next one.
    func testEveryRecordKeptBeforeAnErrorIsRecalledExactlyOnceUnderRacingDumps() throws {
        let path = temporaryLogPath(self)
        let keepers = 4, perKeeper = underThreadSanitizer ? 1_000 : 5_000
        let core = try openRecorder(path, records: UInt32(keepers * perKeeper))  // room for all: none too old
        let module = sluice_module(core.pointer, "racing")
        onThreads(keepers) { keeper in
            for i in 0..<perKeeper {
                FlightRecorderTests.keep(core, module, "keeper \(keeper) \(i)")
                if i % 50 == 49 { log(core, module, "error \(keeper) \(i)", level: Int32(SLUICE_ERROR)) }
            }
        }
        log(core, module, "the last error", level: Int32(SLUICE_ERROR))  // recalls whatever is left
        sluice_close(core.pointer)
        sluice_free(core.pointer)
        let recalled = readLines(path).map { String(decoding: $0.message, as: UTF8.self) }.filter { $0.hasPrefix("[recalled] ") }
        XCTAssertEqual(Set(recalled).count, recalled.count, "no record recalled twice")
        XCTAssertEqual(recalled.count, keepers * perKeeper, "every kept record recalled")
    }

    /// sluice.h promises a log call on an asynchronous core is async-signal-safe: an error
    /// logged by a signal handler whose thread was keeping a record never waits for that slot.
    func testAnErrorLoggedFromASignalHandlerDuringAKeepNeverHangs() throws {
        let result = try runChild(["flight-signal", underThreadSanitizer ? "2000" : "20000"])
        XCTAssertEqual(result.reason, .exit, "not killed by the alarm: \(result.err)")
        XCTAssertEqual(result.status, 0, result.err)
    }

    func testWithoutARecorderKeepingIsRefused() throws {
        let core = try openCore(path: temporaryLogPath(self))
        defer { sluice_free(core.pointer) }
        let module = sluice_module(core.pointer, "none")
        XCTAssertEqual(sluice_flight_keep(core.pointer, Int32(SLUICE_DEBUG), module, "x", 1, 0), Int32(SLUICE_INVALID))
    }
}

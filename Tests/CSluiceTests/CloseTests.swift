import CSluice
import Foundation
import SluiceTestSupport
import XCTest

final class CloseTests: XCTestCase {
    func testClosingWhileFourThreadsLogKeepsEveryAcceptedRecordAndCountsTheRest() throws {
        let perProducer = stressRecords(default: 300_000)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 65536, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "stress")
        let accepted = Slots(4, [Bool]())
        let closer = Thread {
            usleep(20_000)
            sluice_close(core.pointer)
        }
        closer.start()
        onThreads(4) { p in
            accepted[p] = produce(core, module, producer: p, count: perProducer)
        }
        sluice_close(core.pointer)  // waits for the closer's close, if still running
        let c = counters(core)
        sluice_free(core.pointer)

        let okCounts = accepted.all.map { $0.lazy.filter { $0 }.count }
        let refused = 4 * perProducer - okCounts.reduce(0, +)
        XCTAssertGreaterThan(refused, 0, "the close came while the threads were logging")
        let seen = try scanStressFile(path, producers: 4, perProducer: perProducer, accepted: accepted.all)
        XCTAssertEqual(seen.perProducer, okCounts, "every accepted record is in the file")
        XCTAssertEqual(c.written, UInt64(okCounts.reduce(0, +)))
        XCTAssertEqual(c.dropped_after_close, UInt64(refused))
        XCTAssertEqual(c.dropped, UInt64(refused))
        XCTAssertEqual(c.accepted, UInt64(4 * perProducer))
    }

    func testCallsAfterCloseAreDroppedAndCounted() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "late")
        XCTAssertEqual(log(core, module, "before"), Int32(SLUICE_OK))
        sluice_close(core.pointer)
        for _ in 0..<10 { XCTAssertEqual(log(core, module, "after"), Int32(SLUICE_DROPPED)) }
        var reservation = sluice_reservation()
        XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_INFO), module, 5, &reservation), Int32(SLUICE_DROPPED))
        sluice_close(core.pointer)
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        let c = counters(core)
        sluice_free(core.pointer)
        XCTAssertEqual(c.accepted, 12)
        XCTAssertEqual(c.written, 1)
        XCTAssertEqual(c.dropped, 11)
        XCTAssertEqual(c.dropped_after_close, 11)
        XCTAssertEqual(readLines(path).map { String(decoding: $0.message, as: UTF8.self) }, ["before"])
    }

    func testBlockedProducersGiveUpWhenTheCoreCloses() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        let reader = ends[0]
        try withStandardError(writingTo: ends[1]) {
            close(ends[1])
            let core = try openCore(path: nil, ringBytes: 4096, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
            let module = sluice_module(core.pointer, "blocked")
            let line = String(repeating: "y", count: 500)
            let results = Slots(2, [Int32]())
            let finished = DispatchGroup()
            for t in 0..<2 {
                finished.enter()
                Thread {
                    results[t] = (0..<1000).map { _ in log(core, module, line) }  // 500 KB into a stuck pipe
                    finished.leave()
                }.start()
            }
            usleep(100_000)  // the pipe is full and the producers sleep
            let unstuck = DispatchSemaphore(value: 0)
            Thread {
                usleep(100_000)  // let the close begin first, then unstick the writer
                var buffer = [UInt8](repeating: 0, count: 65536)
                unstuck.signal()
                while read(reader, &buffer, buffer.count) > 0 {}
                close(reader)
            }.start()
            sluice_close(core.pointer)
            finished.wait()
            unstuck.wait()
            let c = counters(core)
            sluice_free(core.pointer)
            let ok = results.all.joined().filter { $0 == Int32(SLUICE_OK) }.count
            XCTAssertGreaterThan(c.dropped_after_close, 0, "blocked producers were released by the close")
            XCTAssertEqual(UInt64(ok), c.written)
            XCTAssertEqual(c.written + c.dropped, c.accepted)
        }
    }

    func testClosingBehindAStalledReservationCountsEveryRecordAndItsLateCommit() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "straggler")
        log(core, module, "before")
        var stalled = sluice_reservation()
        XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_INFO), module, 10, &stalled), Int32(SLUICE_OK))
        for n in 0..<3 { log(core, module, "after \(n)") }
        XCTAssertEqual(sluice_flush(core.pointer, 100), Int32(SLUICE_TIMEOUT), "the writer waits for the reservation")
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        withStandardError(writingTo: ends[1]) {
            close(ends[1])
            sluice_close(core.pointer)  // returns: the writer gives up after its patience
        }
        var said = [UInt8](repeating: 0, count: 4096)
        let n = read(ends[0], &said, said.count)
        close(ends[0])
        XCTAssertEqual(String(decoding: said.prefix(max(n, 0)), as: UTF8.self),
                       "sluice: closing '\(path)' without 3 records: they were committed behind 1 reservations never "
                       + "committed within 2 s; all are counted as dropped (a late commit counts its own)\n")
        var c = counters(core)
        XCTAssertEqual(c.accepted, 5)
        XCTAssertEqual(c.written, 1)
        XCTAssertEqual(c.dropped_abandoned, 3)
        XCTAssertEqual(c.dropped, 3)
        XCTAssertEqual(c.depth_records, 1, "the stalled record is still its caller's")
        sluice_commit(core.pointer, &stalled, 0)  // late: counted as dropped
        c = counters(core)
        XCTAssertEqual(c.dropped_abandoned, 4)
        XCTAssertEqual(c.written + c.dropped, c.accepted)
        var module_counts = sluice_module_counters()
        XCTAssertEqual(sluice_stats_module(sluice_core_stats(core.pointer), module, &module_counts), Int32(SLUICE_OK))
        XCTAssertEqual(module_counts.dropped, 4)
        sluice_free(core.pointer)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.dropFirst(28) },
                       ["INFO straggler: before", "WARNING sluice: dropped 3 records"])
    }

    /// Runs body on a thread of its own; fails instead of hanging when it takes longer than 20 s.
    func finishes(_ what: String, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread {
            body()
            done.signal()
        }.start()
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success, "\(what) is still waiting")
    }

    func testLoggingWhileHoldingYourOwnReservationDropsInsteadOfWaitingForever() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 4096, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "nested")
        let results = Slots(1, [Int32]())
        finishes("a thread logging while it holds a reservation") {
            var held = sluice_reservation()
            XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_INFO), module, 4, &held), Int32(SLUICE_OK))
            results[0] = (0..<200).map { n in log(core, module, "nested \(n) " + String(repeating: "x", count: 40)) }
            memcpy(held.message, "held", 4)
            sluice_commit(core.pointer, &held, 4)
        }
        sluice_flush(core.pointer, -1)
        let c = counters(core)
        sluice_free(core.pointer)
        let ok = results[0].filter { $0 == Int32(SLUICE_OK) }.count
        XCTAssertGreaterThan(ok, 0)
        XCTAssertLessThan(ok, 200, "the ring filled: the rest dropped rather than waited")
        XCTAssertEqual(c.dropped_full, UInt64(200 - ok))
        XCTAssertEqual(c.written, UInt64(ok + 1))
        let records = readLines(path).filter { $0.module == "nested" }.map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertEqual(records.first, "held", "the held record first, then the nested ones that found room")
        XCTAssertEqual(records.count, ok + 1)
    }

    func testASynchronousCoreDropsANestedCallInsteadOfDeadlockingOnItsLock() throws {
        let path = temporaryLogPath(self)
        var options = sluice_options()
        sluice_options_init(&options)
        options.synchronous = 1
        let pointer = try XCTUnwrap(path.withCString { options.path = $0; return sluice_open(&options, nil, 0) })
        let core = Core(pointer: pointer)
        let module = sluice_module(core.pointer, "nested")
        let result = Slots(1, Int32(-5))
        finishes("a nested call on a synchronous core") {
            var held = sluice_reservation()
            XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_INFO), module, 4, &held), Int32(SLUICE_OK))
            result[0] = log(core, module, "nested")
            memcpy(held.message, "held", 4)
            sluice_commit(core.pointer, &held, 4)
        }
        XCTAssertEqual(result[0], Int32(SLUICE_DROPPED))
        XCTAssertEqual(log(core, module, "after"), Int32(SLUICE_OK))
        let c = counters(core)
        sluice_free(core.pointer)
        XCTAssertEqual(c.dropped_full, 1)
        XCTAssertEqual(readLines(path).map { String(decoding: $0.message, as: UTF8.self) },
                       ["dropped 1 records; shed for room: info 1", "held", "after"], "the drop reported in the stream, before the next record")
    }

    func testACloseGivesUpOnAWriterStuckInItsSinkCountsWhatIsLeftAndReturns() throws {
        let started = Date()
        let records = underThreadSanitizer ? 10_000 : 100_000  // logging is slow under ThreadSanitizer
        let result = try runChild(["stuck-close", "\(records)", "close"], environment: ["ASAN_OPTIONS": "detect_leaks=0"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "bounded by the close timeout (300 ms), not the sink")
        let lines = result.err.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("sluice: closing 'stdout' after 300 ms without its writer, stuck in a write: ") },
                      result.err)
        let counts = try XCTUnwrap(lines.last).split(separator: " ").compactMap { UInt64($0) }
        XCTAssertEqual(counts.count, 4, result.err)
        XCTAssertEqual(counts[0], UInt64(records), "accepted")
        XCTAssertEqual(counts[0], counts[1] + counts[2], "written + dropped = accepted, the rest counted as dropped")
        XCTAssertGreaterThan(counts[2], 0)
    }

    func testProcessExitIsNotHeldByASinkThatNeverTakesTheWrite() throws {
        let started = Date()
        let records = underThreadSanitizer ? 10_000 : 100_000
        let result = try runChild(["stuck-close", "\(records)", "exit"], environment: ["ASAN_OPTIONS": "detect_leaks=0"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15)
        XCTAssertTrue(result.err.contains("without its writer, stuck in a write"), result.err)
    }

    /// A close that gave up on a stuck sink counted what was left as dropped: nothing of it may
    /// be recovered later, and a clean exit leaves neither a statistics nor a ring file.
    func testACloseThatGaveUpLeavesNoFileAfterExitAndNothingToRecover() throws {
        let records = underThreadSanitizer ? 10_000 : 100_000
        for mode in ["close", "exit", "kill"] {
            let directory = try temporaryDirectory(self, mode)
            let result = try runChild(["stuck-close", "\(records)", mode],
                                      environment: ["ASAN_OPTIONS": "detect_leaks=0", "SLUICE_STATS_DIR": directory])
            XCTAssertTrue(result.err.contains("without its writer, stuck in a write"), "\(mode): \(result.err)")
            let left = try FileManager.default.contentsOfDirectory(atPath: directory)
            if mode == "kill" {
                XCTAssertEqual(result.status, SIGKILL, result.err)
                XCTAssertEqual(left.filter { $0.hasSuffix(".ring") }, [], "a killed process's ring holds nothing counted as dropped")
            } else {
                XCTAssertEqual(result.status, 0, result.err)
                XCTAssertEqual(left, [], "\(mode): nothing left after a clean exit")
            }
        }
    }
}

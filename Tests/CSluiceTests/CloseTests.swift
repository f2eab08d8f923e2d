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

    func testCloseGivesUpOnAReservationThatIsNeverCommitted() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "straggler")
        log(core, module, "before")
        var forgotten = sluice_reservation()
        XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_INFO), module, 10, &forgotten), Int32(SLUICE_OK))
        log(core, module, "after")
        XCTAssertEqual(sluice_flush(core.pointer, 100), Int32(SLUICE_TIMEOUT), "the writer waits for the reservation")
        sluice_close(core.pointer)  // returns: the writer gives up after its patience
        let c = counters(core)
        sluice_free(core.pointer)
        XCTAssertEqual(c.written, 1)
        XCTAssertEqual(readLines(path).map { String(decoding: $0.message, as: UTF8.self) }, ["before"])
    }
}

import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// One ring per CPU (CSources/CSluice/lanes.h): eight producers that move between CPUs on
/// purpose, so that each writes into every ring, must find every accepted record in the file
/// once, in its own order, and the counters must add up; a ring added while they run
/// (published under RCU, the old set freed after a grace period) changes none of that.
private let moveEvery = 300  // records between two moves of a producer

final class LaneTests: XCTestCase {
    let producers = 8

    func testMovingProducersUnderTheDropPolicyWriteEachAcceptedRecordOnceInTheirOrder() throws {
        let perProducer = stressRecords(default: 1_000_000)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 65536, rings: 0)
        XCTAssertEqual(Int(sluice_stats_ring_count(sluice_core_stats(core.pointer))),
                       min(Int(sluice_test_cpu_count()), Int(SLUICE_RINGS_AUTO_MAX)), "one ring per CPU")
        let c = try checkMovingProducers(core, path: path, producers: producers, perProducer: perProducer)
        XCTAssertEqual(c.accepted, UInt64(producers * perProducer))
    }

    func testMovingProducersUnderTheBlockPolicyWriteEveryRecordInTheirOrder() throws {
        let perProducer = stressRecords(default: 1_000_000)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 65536, overflow: Int32(SLUICE_OVERFLOW_BLOCK), rings: 4)
        let c = try checkMovingProducers(core, path: path, producers: producers, perProducer: perProducer)
        XCTAssertEqual(c.accepted, UInt64(producers * perProducer))
        XCTAssertEqual(c.written, c.accepted, "no call returned dropped")
        XCTAssertEqual(c.dropped, 0)
    }

    /// The core starts with one ring; while eight producers run, rings are added one at a time
    /// up to four, each a new set published with the old one retired. Under AddressSanitizer a
    /// producer that read a set after it was freed, or a set never freed, fails the run.
    func testRingsAddedWhileProducersRunLoseNothingAndKeepEachThreadsOrder() throws {
        let perProducer = stressRecords(default: 200_000)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 65536, overflow: Int32(SLUICE_OVERFLOW_BLOCK), rings: 1)
        let stats = sluice_core_stats(core.pointer)
        XCTAssertEqual(sluice_stats_ring_count(stats), 1)
        let module = sluice_module(core.pointer, "stress")
        let accepted = Slots(producers, [Bool]())
        let grown = Slots(1, UInt32(0))
        let producers = self.producers
        onThreads(producers + 1) { p in
            if p == producers {
                for count in UInt32(2)...4 {
                    while counters(core).accepted < UInt64(count - 1) * UInt64(producers * perProducer / 5) { usleep(200) }
                    grown[0] = sluice_test_add_rings(core.pointer, count)
                }
            } else {
                accepted[p] = produce(core, module, producer: p, count: perProducer, movingEvery: moveEvery)
            }
        }
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        let rings = sluice_stats_ring_count(stats)
        var used = 0
        for ring in 0..<rings {
            var r = sluice_ring_counters()
            XCTAssertEqual(sluice_stats_ring(stats, ring, &r), Int32(SLUICE_OK))
            if r.high_water_bytes > 0 { used += 1 }
        }
        let c = counters(core)
        sluice_free(core.pointer)

        XCTAssertEqual(grown[0], 4)
        XCTAssertEqual(rings, 4, "the statistics show every ring")
        XCTAssertGreaterThan(used, 1, "records went into the added rings too")
        let seen = try scanStressFile(path, producers: producers, perProducer: perProducer, accepted: accepted.all)
        XCTAssertEqual(seen.perProducer, Array(repeating: perProducer, count: producers))
        XCTAssertEqual(c.written, c.accepted)
        XCTAssertEqual(c.dropped, 0)
    }

    /// A closed core refuses new rings: a ring added after the seal would take records its
    /// writer never reads.
    func testNoRingIsAddedOnceTheCoreIsClosed() throws {
        let core = try openCore(path: "/dev/null", rings: 2)
        sluice_close(core.pointer)
        XCTAssertEqual(sluice_test_add_rings(core.pointer, 4), 2)
        XCTAssertEqual(sluice_stats_ring_count(sluice_core_stats(core.pointer)), 2)
        sluice_free(core.pointer)
    }

    func testARingCountPastTheMostIsRefusedWithTheValue() {
        XCTAssertThrowsError(try openCore(path: "/dev/null", rings: UInt32(SLUICE_RINGS_MAX) + 1)) { error in
            XCTAssertEqual("\(error)", "sluice: ring_count 65 is more than 64; nothing was opened")
        }
    }
}

/// Producers that move to another CPU every moveEvery records log perProducer records each into
/// core, which is then flushed (every ring), closed and freed: the file must hold each producer's
/// accepted records once, in its order, and the counters and the drop reports must add up.
/// Returns the counters.
@discardableResult
func checkMovingProducers(_ core: Core, path: String, producers: Int, perProducer: Int,
                          file: StaticString = #filePath, line: UInt = #line) throws -> sluice_counters {
    let module = sluice_module(core.pointer, "stress")
    let accepted = Slots(producers, [Bool]())
    onThreads(producers) { p in
        accepted[p] = produce(core, module, producer: p, count: perProducer, movingEvery: moveEvery)
    }
    XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK), file: file, line: line)
    sluice_close(core.pointer)
    let c = counters(core)
    sluice_free(core.pointer)

    let okCounts = accepted.all.map { $0.lazy.filter { $0 }.count }
    let seen = try scanStressFile(path, producers: producers, perProducer: perProducer, accepted: accepted.all,
                                  file: file, line: line)
    XCTAssertEqual(seen.perProducer, okCounts, "each producer's accepted records, each once, in its order", file: file, line: line)
    XCTAssertEqual(c.written, UInt64(okCounts.reduce(0, +)), file: file, line: line)
    XCTAssertEqual(c.written + c.dropped, c.accepted, file: file, line: line)
    XCTAssertEqual(seen.droppedReported, c.dropped, "the 'dropped N records' lines add up to the counter", file: file, line: line)
    return c
}

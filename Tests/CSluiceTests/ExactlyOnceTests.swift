import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// Four producers hammer a small ring; the file must hold every accepted record
/// exactly once, in each producer's order, and the counters must add up.
final class ExactlyOnceTests: XCTestCase {
    let producers = 4

    func testDropPolicyWritesEachAcceptedRecordOnceInOrderAndCountsEveryDrop() throws {
        let perProducer = stressRecords(default: 1_000_000)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 65536, overflow: Int32(SLUICE_OVERFLOW_DROP))
        let module = sluice_module(core.pointer, "stress")
        let accepted = Slots(producers, [Bool]())
        onThreads(producers) { p in
            accepted[p] = produce(core, module, producer: p, count: perProducer)
        }
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)

        let okCounts = accepted.all.map { $0.lazy.filter { $0 }.count }
        let dropReturns = producers * perProducer - okCounts.reduce(0, +)
        let seen = try scanStressFile(path, producers: producers, perProducer: perProducer, accepted: accepted.all)
        XCTAssertEqual(seen.perProducer, okCounts, "each producer's accepted records, each once")
        XCTAssertEqual(c.accepted, UInt64(producers * perProducer))
        XCTAssertEqual(c.written, UInt64(okCounts.reduce(0, +)))
        XCTAssertEqual(c.dropped, UInt64(dropReturns))
        XCTAssertEqual(c.written + c.dropped, c.accepted)
        XCTAssertEqual(seen.droppedReported, c.dropped, "the 'dropped N records' lines add up to the counter")
        XCTAssertEqual(c.dropped_after_close, 0)
    }

    func testUnderOverloadDropReportsComeAtMostEveryTenthOfASecondAndStillAddUp() throws {
        let perProducer = stressRecords(default: 500_000)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 4096, overflow: Int32(SLUICE_OVERFLOW_DROP))
        let module = sluice_module(core.pointer, "stress")
        let accepted = Slots(producers, [Bool]())
        let started = Date()
        onThreads(producers) { p in
            accepted[p] = produce(core, module, producer: p, count: perProducer)
        }
        sluice_close(core.pointer)
        let seconds = Date().timeIntervalSince(started)
        let c = counters(core)
        sluice_free(core.pointer)

        let seen = try scanStressFile(path, producers: producers, perProducer: perProducer, accepted: accepted.all)
        XCTAssertGreaterThan(c.dropped, 0, "the ring overflowed")
        XCTAssertEqual(seen.droppedReported, c.dropped, "the reports add up to the counter")
        XCTAssertLessThanOrEqual(seen.reportLines, Int(seconds * 10) + 2,
                                 "\(seen.reportLines) reports in \(seconds) s: one per 100 ms, and the one at close")
    }

    func testBlockPolicyWritesAllRecordsInOrderAndDropsNone() throws {
        let perProducer = stressRecords(default: 1_000_000)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 65536, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "stress")
        let accepted = Slots(producers, [Bool]())
        onThreads(producers) { p in
            accepted[p] = produce(core, module, producer: p, count: perProducer)
        }
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        let c = counters(core)
        sluice_free(core.pointer)

        XCTAssertTrue(accepted.all.allSatisfy { $0.allSatisfy { $0 } }, "no call returned dropped")
        let seen = try scanStressFile(path, producers: producers, perProducer: perProducer, accepted: accepted.all)
        XCTAssertEqual(seen.perProducer, Array(repeating: perProducer, count: producers))
        XCTAssertEqual(seen.droppedReported, 0)
        XCTAssertEqual(c.accepted, UInt64(producers * perProducer))
        XCTAssertEqual(c.written, c.accepted)
        XCTAssertEqual(c.dropped, 0)
    }

    /// A release wakes one blocked producer unless it empties the ring. Producers whose records
    /// need different room (a warning may use the reserve that an info record may not) all finish.
    func testBlockedProducersOfBothLimitsAllFinishAndDropNothing() throws {
        let perProducer = stressRecords(default: 100_000)
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 4096, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "stress")
        let levels = [SLUICE_INFO, SLUICE_INFO, SLUICE_INFO, SLUICE_WARNING].map { Int32($0) }
        let accepted = Slots(producers, 0)
        onThreads(producers) { p in
            accepted[p] = (0..<perProducer).filter { _ in
                sluice_log(core.pointer, levels[p], module, "blocked", 7) == Int32(SLUICE_OK)
            }.count
        }
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        let c = counters(core)
        sluice_free(core.pointer)

        XCTAssertEqual(accepted.all, Array(repeating: perProducer, count: producers), "no call returned dropped")
        XCTAssertEqual(c.written, UInt64(producers * perProducer))
        XCTAssertEqual(c.dropped, 0)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasSuffix(" WARNING stress: blocked") }.count, perProducer)
        XCTAssertEqual(lines.filter { $0.hasSuffix(" INFO stress: blocked") }.count, 3 * perProducer)
    }
}

/// Logs "p=<producer> s=<sequence>" for sequence 0..<count; returns which were accepted.
/// Logs count records "p=<producer> s=<sequence>"; with movingEvery, the thread moves to the
/// next CPU (and so to the next ring) every that many records.
func produce(_ core: Core, _ module: Int32, producer: Int, count: Int, movingEvery: Int? = nil) -> [Bool] {
    var accepted = [Bool](repeating: false, count: count)
    var message = [CChar](repeating: 0, count: 32)
    message.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress!
        base[0] = CChar(UInt8(ascii: "p"))
        base[1] = CChar(UInt8(ascii: "="))
        base[2] = CChar(UInt8(ascii: "0") + UInt8(producer))
        base[3] = CChar(UInt8(ascii: " "))
        base[4] = CChar(UInt8(ascii: "s"))
        base[5] = CChar(UInt8(ascii: "="))
        for sequence in 0..<count {
            if let every = movingEvery, sequence % every == 0 {
                _ = sluice_test_move_to_cpu(Int32(producer + sequence / every))
            }
            var digits = 0
            var n = sequence
            repeat { digits += 1; n /= 10 } while n > 0
            n = sequence
            var i = 5 + digits  // a plain loop: a stride's metadata lookup takes a lock, which eight threads contend for
            while i > 5 {
                base[i] = CChar(UInt8(ascii: "0") + UInt8(n % 10))
                n /= 10
                i -= 1
            }
            accepted[sequence] = sluice_log(core.pointer, Int32(SLUICE_INFO), module, base, 6 + digits) == Int32(SLUICE_OK)
        }
    }
    return accepted
}

struct StressScan {
    var perProducer: [Int]
    var droppedReported: UInt64
    var reportLines = 0
}

/// Reads the stress file: every line is a stress record or a drop report; each
/// producer's sequences strictly increase and were accepted.
func scanStressFile(_ path: String, producers: Int, perProducer: Int, accepted: [[Bool]],
                    file: StaticString = #filePath, line: UInt = #line) throws -> StressScan {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var scan = StressScan(perProducer: Array(repeating: 0, count: producers), droppedReported: 0)
    var last = Array(repeating: -1, count: producers)
    var failures = 0
    func fail(_ message: String) {
        failures += 1
        if failures <= 5 { XCTFail(message, file: file, line: line) }
    }
    let recordPrefix = Array("INFO stress: p=".utf8)
    let dropPrefix = Array("WARNING sluice: dropped ".utf8)
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        let bytes = raw.bindMemory(to: UInt8.self)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let body = start + 28  // after the timestamp and its space
            func has(_ prefix: [UInt8]) -> Bool {
                guard end - body > prefix.count else { return false }
                for i in 0..<prefix.count where bytes[body + i] != prefix[i] { return false }
                return true
            }
            func number(from i: Int) -> (Int, Int) {
                var value = 0, j = i
                while j < end, bytes[j] >= 0x30, bytes[j] <= 0x39 { value = value * 10 + Int(bytes[j] - 0x30); j += 1 }
                return (value, j)
            }
            if has(recordPrefix) {
                let p = Int(bytes[body + recordPrefix.count]) - 0x30
                let (sequence, _) = number(from: body + recordPrefix.count + 4)
                if p < 0 || p >= producers || sequence >= perProducer {
                    fail("a record that no producer logged: line at byte \(start)")
                } else {
                    if sequence <= last[p] { fail("producer \(p): sequence \(sequence) after \(last[p])") }
                    if !accepted[p][sequence] { fail("producer \(p): sequence \(sequence) was dropped yet written") }
                    last[p] = sequence
                    scan.perProducer[p] += 1
                }
            } else if has(dropPrefix) {
                scan.droppedReported += UInt64(number(from: body + dropPrefix.count).0)
                scan.reportLines += 1
            } else {
                fail("unexpected line: \(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))")
            }
            start = end + 1
        }
    }
    return scan
}

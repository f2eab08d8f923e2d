import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// A flood of low levels fills the ring; warnings and errors keep the reserve at its end.
final class OverloadTests: XCTestCase {
    struct Outcome {
        var counters: sluice_counters
        var lines: [String]
        var alarmsRefused: Int
    }

    /// Three threads flood debug under the drop policy while a fourth logs 1,000 errors and
    /// 1,000 warnings, one every 50 µs; the flood goes on until the fourth is done.
    func flood(reservePermille: UInt32) throws -> Outcome {
        let path = temporaryLogPath(self, "overload-\(reservePermille)")
        let core = try openCore(path: path) { options in
            options.ring_bytes = 1 << 20
            options.warning_reserve_permille = reservePermille
            options.warning_wait_us = reservePermille == 0 ? 0 : options.warning_wait_us  // without any protection
        }
        let flood = sluice_module(core.pointer, "flood"), alarm = sluice_module(core.pointer, "alarm")
        let done = Slots<Bool>(1, false), refused = Slots<Int>(1, 0)
        let padding = String(repeating: "d", count: 1000)  // long: the writer, not the flood, is the bottleneck
        onThreads(4) { thread in
            if thread == 3 {
                // The burst starts inside the flood: once the flood has filled its part of the ring
                // (left alone, the burst could be over before the flood had filled anything).
                let deadline = Date().addingTimeInterval(30)
                while counters(core).dropped_full == 0 && Date() < deadline { usleep(100) }
                for i in 0..<2000 {
                    let level = Int32(i % 2 == 0 ? SLUICE_ERROR : SLUICE_WARNING)
                    if log(core, alarm, "alarm \(i)", level: level) != SLUICE_OK { refused[0] += 1 }
                    usleep(50)
                }
                done[0] = true
            } else {
                var i = 0
                while !done[0] {  // racy by design: a flood thread may log a few more after the flag
                    log(core, flood, "flood \(thread) \(i) \(padding)", level: Int32(SLUICE_DEBUG))
                    i += 1
                }
            }
        }
        sluice_close(core.pointer)
        let outcome = Outcome(
            counters: counters(core), lines: try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init),
            alarmsRefused: refused[0])
        sluice_free(core.pointer)
        return outcome
    }

    func testAFloodOfDebugNeverCostsAWarningOrAnErrorAndItsDropsAreCountedByLevel() throws {
        let outcome = try flood(reservePermille: 125)
        let c = outcome.counters
        let alarms = outcome.lines.filter { $0.contains(" alarm: alarm ") }
        XCTAssertEqual(outcome.alarmsRefused, 0, "every error and warning accepted")
        XCTAssertEqual(alarms.count, 2000, "and written")
        XCTAssertGreaterThan(c.dropped_full, 0, "the flood filled the ring")
        let byLevel = withUnsafeBytes(of: c.dropped_by_level) { Array($0.bindMemory(to: UInt64.self)) }
        XCTAssertEqual(byLevel[Int(SLUICE_DEBUG)], c.dropped, "every drop a debug record")
        XCTAssertEqual(byLevel.reduce(0, +), c.dropped)
        let debugWritten = UInt64(outcome.lines.filter { $0.contains(" flood: flood ") }.count)
        XCTAssertEqual(c.accepted, 2000 + debugWritten + c.dropped, "accepted = written + dropped, line by line")
        let reports = outcome.lines.filter { $0.contains(" sluice: dropped ") }
        let shed = reports.compactMap { report in
            report.range(of: #"shed for room: debug \d+"#, options: .regularExpression).map { UInt64(report[$0].split(separator: " ").last!)! }
        }
        XCTAssertEqual(shed.count, reports.count, "each report names the level shed: \(reports.filter { !$0.contains("shed") }.prefix(2))")
        XCTAssertEqual(shed.reduce(0, +), c.dropped)
    }

    /// Without the reserve and the wait (both 0), the same flood costs errors: what they prevent.
    func testWithoutTheReserveTheSameFloodCostsErrors() throws {
        let outcome = try flood(reservePermille: 0)
        let byLevel = withUnsafeBytes(of: outcome.counters.dropped_by_level) { Array($0.bindMemory(to: UInt64.self)) }
        XCTAssertGreaterThan(byLevel[Int(SLUICE_ERROR)] + byLevel[Int(SLUICE_WARNING)], 0,
                             "the flood took the room the alarms needed: what the reserve prevents")
    }

    /// Three threads flood debug into a 64 KiB ring while a fourth logs 1,000 errors and 1,000
    /// warnings as fast as it can: the reserve alone holds one burst's first 8 KiB. Tiered
    /// admission (debug may fill half the ring, info three quarters) and a bounded wait for
    /// room (warning and above, drop policy) keep every one, and the wait is measured.
    func testABurstOfWarningsInsideADebugFloodIsWrittenWhole() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path) { options in
            options.ring_bytes = 64 << 10
            options.warning_wait_us = 200_000  // a bound a shared two-core machine keeps: the writer shares its cores with four threads
        }
        let flood = sluice_module(core.pointer, "flood"), alarm = sluice_module(core.pointer, "alarm")
        let done = Slots<Bool>(1, false), refused = Slots<Int>(1, 0)
        onThreads(4) { thread in
            if thread == 3 {
                // Inside the flood, as in the test above: once it has filled its part of a ring.
                let deadline = Date().addingTimeInterval(30)
                while counters(core).dropped_full == 0 && Date() < deadline { usleep(100) }
                for i in 0..<2000 {
                    let level = Int32(i % 2 == 0 ? SLUICE_ERROR : SLUICE_WARNING)
                    if log(core, alarm, "alarm \(i)", level: level) != SLUICE_OK { refused[0] += 1 }
                }
                done[0] = true
            } else {
                var i = 0
                while !done[0] {
                    log(core, flood, "flood \(thread) \(i) \(String(repeating: "d", count: 100))", level: Int32(SLUICE_DEBUG))
                    i += 1
                }
            }
        }
        sluice_close(core.pointer)
        let c = counters(core)
        var waits = sluice_histogram()
        sluice_stats_histogram(sluice_core_stats(core.pointer), Int32(SLUICE_HISTOGRAM_WARNING_WAIT), &waits)
        sluice_free(core.pointer)
        let alarms = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { $0.contains(" alarm: alarm ") }
        XCTAssertLessThanOrEqual(waits.max, 200_000_000 + 50_000_000, "no wait past its bound (and a wake-up)")
        XCTAssertEqual(refused[0], 0, "every error and warning accepted")
        XCTAssertEqual(alarms.filter { $0.contains(" ERROR ") }.count, 1000)
        XCTAssertEqual(alarms.filter { $0.contains(" WARNING ") }.count, 1000)
        XCTAssertGreaterThan(c.dropped_full, 0, "the flood filled its part of the ring")
    }

    /// A warning that finds the ring full waits its bound for room, then is dropped and counted;
    /// the next ones drop at once until the writer frees room; each wait is in its histogram.
    func testAWarningWaitsItsBoundThenLaterOnesDoNotUntilTheWriterFreesRoom() throws {
        let core = try openCore(path: "/dev/null") { options in
            options.ring_bytes = 4096
            options.warning_wait_us = 50_000
        }.pointer
        let module = sluice_module(core, "alarm")
        sluice_test_pause_writers(1)
        defer { sluice_test_pause_writers(0) }
        var accepted = 0
        while sluice_log(core, Int32(SLUICE_WARNING), module, "filling", 7) == SLUICE_OK { accepted += 1 }  // the last one waited
        let started = Date()
        XCTAssertEqual(sluice_log(core, Int32(SLUICE_ERROR), module, "no wait", 7), Int32(SLUICE_DROPPED))
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.04, "a wait ran out: the next one drops at once")
        var waits = sluice_histogram()
        sluice_stats_histogram(sluice_core_stats(core), Int32(SLUICE_HISTOGRAM_WARNING_WAIT), &waits)
        XCTAssertEqual(waits.count, 1, "one wait, measured")
        XCTAssertGreaterThanOrEqual(waits.max, 50_000_000, "it waited its whole bound")
        XCTAssertLessThan(waits.max, 1_000_000_000, "and not much past it")
        sluice_test_pause_writers(0)
        XCTAssertEqual(sluice_flush(core, 5000), Int32(SLUICE_OK))
        XCTAssertEqual(sluice_log(core, Int32(SLUICE_WARNING), module, "room again", 10), Int32(SLUICE_OK))
        sluice_close(core)
        var c = sluice_counters()
        sluice_counters_read(core, &c)
        sluice_free(core)
        XCTAssertEqual(c.dropped_full, 2)
        XCTAssertEqual(c.written, UInt64(accepted + 1))
    }
}

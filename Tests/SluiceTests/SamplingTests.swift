import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

final class SamplingTests: XCTestCase {
    func testTenPercentWritesCallsOneElevenTwentyOne() throws {
        let (core, path) = try openCore(self)
        let sampled = SamplingLogger(core.logger("sampled"), sampleRate: 0.1)
        for i in 1...100 { sampled.debug("call \(i)", key: "enqueue") }
        core.close()
        XCTAssertEqual(try messages(path), stride(from: 1, through: 91, by: 10).map { "call \($0)" })
    }

    func testRatesAreExactAndKeysIndependent() throws {
        let (core, path) = try openCore(self)
        let onePercent = SamplingLogger(core.logger("one"), sampleRate: 0.01)
        let exact = SamplingLogger(core.logger("exact"), sampleRate: 0.123457)
        for _ in 0..<100 { onePercent.info("x", key: "a") }
        for i in 0..<300 { onePercent.info("y", key: i % 3 == 0 ? "b" : "c") }
        for _ in 0..<1_000_000 { exact.trace("z", key: "exact") }
        core.close()
        let written = try lines(path)
        XCTAssertEqual(written.filter { $0 == "INFO one: x" }.count, 1, "1% of 100")
        XCTAssertEqual(written.filter { $0 == "INFO one: y" }.count, 1 + 2, "100 calls of key b give 1, 200 of key c give 2")
        XCTAssertEqual(written.filter { $0 == "TRACE exact: z" }.count, 123_457, "to one part per million")
    }

    func testEightThreadsOnOneKeyAtTenPercentWriteExactlyEightThousand() throws {
        let (core, path) = try openCore(self, .init(level: .trace, queueBytes: 1 << 20, overflow: .block))
        let sampled = SamplingLogger(core.logger("threads"), sampleRate: 0.1)
        onThreads(8) { _ in
            for _ in 0..<10_000 { sampled.debug("hit", key: "shared") }
        }
        core.close()
        XCTAssertEqual(try lines(path).count, 8_000)
    }

    func testRateZeroWritesNothingBelowWarningAndWarningAndAboveAreNeverSampled() throws {
        let (core, path) = try openCore(self)
        let none = SamplingLogger(core.logger("zero"), sampleRate: 0)
        let all = SamplingLogger(core.logger("all"), sampleRate: 1)
        for _ in 0..<50 {
            none.trace("t", key: "k")
            none.debug("d", key: "k")
            none.info("i", key: "k")
            none.notice("n", key: "k")
            none.warning("w", key: "k")
            none.error("e", key: "k")
            none.critical("c", key: "k")
            all.debug("every", key: "k")
        }
        core.close()
        let written = try lines(path)
        XCTAssertEqual(Set(written.filter { $0.contains(" zero: ") }), ["WARNING zero: w", "ERROR zero: e", "CRITICAL zero: c"])
        XCTAssertEqual(written.filter { $0.contains(" zero: ") }.count, 150)
        XCTAssertEqual(written.filter { $0 == "DEBUG all: every" }.count, 50)
    }

    func testFunctionLevelSamplingRunsTheClosureOnlyWhenSampledIn() throws {
        let (core, path) = try openCore(self)
        let sampled = SamplingLogger(core.logger("flusher"), sampleRate: 0.25)
        var runs = 0
        for n in 1...20 {
            sampled.sampled(key: "flush") { log in
                runs += 1
                log.debug("flushed \(n) messages")
            }
        }
        core.close()
        XCTAssertEqual(runs, 5)
        XCTAssertEqual(try messages(path), ["flushed 1 messages", "flushed 5 messages", "flushed 9 messages",
                                             "flushed 13 messages", "flushed 17 messages"])
    }

    /// The closure's level is checked first, as every log call's is: below the module's level
    /// it never runs and takes no sampling number; at or above it, its share runs.
    func testFunctionLevelSamplingChecksTheLevelFirst() throws {
        let (core, path) = try openCore(self, .init(level: .info))
        let sampled = SamplingLogger(core.logger("quiet"), sampleRate: 0.1)
        var debugRuns = 0, infoRuns = 0
        for _ in 0..<1_000 { sampled.sampled(key: "k") { _ in debugRuns += 1 } }  // debug unless given
        for _ in 0..<1_000 { sampled.sampled(key: "k", level: .info) { log in infoRuns += 1; log.info("ran") } }
        core.close()
        XCTAssertEqual(debugRuns, 0, "the module filters debug: nothing to build")
        XCTAssertEqual(infoRuns, 100, "and the filtered calls took no number: calls 1, 11, 21 ... of the info ones")
        XCTAssertEqual(try messages(path).count, 100)
        XCTAssertEqual(core.stats.modules["quiet"]?.filtered, 1_000)
    }

    func testTheModuleSamplingLoggerFollowsTheModuleRateAndSharesItsCounters() throws {
        let (core, path) = try openCore(self, .init(level: .trace, moduleSampleRates: ["ws": 0.5]))
        let first = core.samplingLogger("ws")
        let second = core.samplingLogger("ws")
        for i in 0..<4 {
            first.debug("first \(i)", key: "k")
            second.debug("second \(i)", key: "k")
        }
        core.setSampleRate(0, module: "ws")
        first.debug("never", key: "k")
        core.close()
        XCTAssertEqual(try messages(path), ["first 0", "first 1", "first 2", "first 3"], "calls 1, 3, 5, 7 of one shared key")
    }

    func testKeysMadePerRequestNeverStarveANewKeyAndAreCountedWhenForgotten() throws {
        let (core, path) = try openCore(self, .init(level: .trace, moduleSampleRates: ["requests": 0.01]))
        let sampled = core.samplingLogger("requests")
        for id in 0..<5000 {
            sampled.debug("request \(id)", key: SamplingKey("request-\(id)"))
        }
        for call in 0..<5 { sampled.debug("static \(call)", key: "static") }
        core.close()
        let written = try messages(path)
        XCTAssertEqual(written.count, 5001, "every request key's first call, and the new static key's")
        XCTAssertEqual(written.last, "static 0")
        let forgotten = try XCTUnwrap(core.stats.modules["requests"]).samplingKeysForgotten
        XCTAssertGreaterThanOrEqual(forgotten, 5000 - 1024, "the table holds about 1,024 keys")
        XCTAssertEqual(core.counters.samplingKeysForgotten, forgotten)
        XCTAssertTrue(core.stats.prometheusText().contains(
            "sluice_sampling_keys_forgotten_total{core=\"\(core.stats.coreID)\",module=\"requests\"} \(forgotten)\n"))
    }

    func testAFixedRateLoggerMadeOnEveryCallIsAsExactAsOneKept() throws {
        let (core, path) = try openCore(self)
        let log = core.logger("app")
        for call in 0..<20_000 {
            SamplingLogger(log, sampleRate: 0.5).info("call \(call)", key: "per call")
        }
        core.close()
        XCTAssertEqual(try lines(path).count, 10_000)
    }

    func testKeysAreEqualWhenTheirTextIs() {
        let runtime = "enqueue"
        XCTAssertEqual(SamplingKey(runtime), "enqueue")
        XCTAssertNotEqual(SamplingKey(""), SamplingKey("a"))
        XCTAssertEqual(Set<SamplingKey>(["a", SamplingKey("a"), "", SamplingKey("")]).count, 2)
    }

    func testARateOutsideZeroToOneIsReportedAndOneIsUsed() throws {
        let (core, _) = try openCore(self)
        var sampled: SamplingLogger?
        let text = capturingStandardError { sampled = SamplingLogger(core.logger("bad"), sampleRate: 1.5) }
        XCTAssertEqual(text, "sluice: sample rate 1.5 for module 'bad' is not a number from 0 to 1; using 1.0\n")
        XCTAssertNotNil(sampled)
        let refused = capturingStandardError { core.setSampleRate(.nan, module: "bad") }
        XCTAssertEqual(refused, "sluice: sample rate nan for module 'bad' is not a number from 0 to 1; the rate stays as it was\n")
    }

    func testATinyRateIsOneInAMillionWithALineNotNever() throws {
        let (core, path) = try openCore(self)
        var sampled: SamplingLogger?
        let said = capturingStandardError { sampled = SamplingLogger(core.logger("rare"), sampleRate: 1e-9) }
        for i in 0..<3 { sampled?.info("call \(i)", key: "k") }
        core.close()
        XCTAssertEqual(said, "sluice: sample rate 1e-09 for module 'rare' is below one in a million, the finest Sluice keeps; using 0.000001\n")
        XCTAssertEqual(try messages(path), ["call 0"], "the first call of a key is emitted, then one in a million")
    }
}

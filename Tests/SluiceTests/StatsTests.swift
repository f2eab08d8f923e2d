import CSluice
import CSluiceFacade
import Foundation
import Logging
@testable import Sluice
import SluiceTestSupport
import XCTest

final class StatsTests: XCTestCase {
    func testCountersAreExactAfterAKnownWorkload() throws {
        let (core, _) = try openCore(self, .init(level: .info, queueBytes: 1 << 20, overflow: .block))
        let app = core.logger("app")
        let noisy = SamplingLogger(core.logger("noisy"), sampleRate: 0.1)
        for i in 0..<100 { app.info("work \(i)") }
        for i in 0..<50 { app.debug("hidden \(i)") }
        for i in 0..<200 { noisy.info("noisy \(i)", key: "k") }
        for _ in 0..<30 { noisy.debug("below the level", key: "k") }
        onThreads(4) { t in
            for i in 0..<1000 { app.trace("filtered \(t) \(i)") }
        }
        XCTAssertTrue(core.flush())
        let stats = core.stats
        XCTAssertEqual(stats.modules["app"], .init(level: .info, sampleRate: 1, accepted: 100, written: 100, dropped: 0,
                                                   sampledOut: 0, filtered: 4050, samplingKeysForgotten: 0))
        XCTAssertEqual(stats.modules["noisy"], .init(level: .info, sampleRate: 1, accepted: 20, written: 20, dropped: 0,
                                                     sampledOut: 180, filtered: 30, samplingKeysForgotten: 0))
        let c = stats.counters
        XCTAssertEqual([c.accepted, c.written, c.dropped, c.sampledOut, c.filtered], [120, 120, 0, 180, 4080])
        XCTAssertEqual(c.depthRecords, 0)
        XCTAssertEqual(stats.pid, getpid())
        XCTAssertEqual(stats.histograms[.endToEndLatency]?.count, 120, "one sample per record written")
        XCTAssertEqual(stats.histograms[.batchRecords]?.sum, 120, "the batches add up to the records")
        XCTAssertGreaterThan(stats.histograms[.writeDuration]?.count ?? 0, 0)
    }

    func testDropsAreCountedPerModule() throws {
        let (core, _) = try openCore(self, .init(level: .trace, queueBytes: 4096, overflow: .drop))
        let a = core.logger("a"), b = core.logger("b")
        let line = String(repeating: "x", count: 900)
        for _ in 0..<500 {
            a.info("\(line)")
            b.info("\(line)")
        }
        core.close()
        b.info("after close")
        let stats = core.stats
        let (ma, mb) = (stats.modules["a"]!, stats.modules["b"]!)
        XCTAssertEqual(ma.accepted, 500)
        XCTAssertEqual(mb.accepted, 501)
        XCTAssertEqual(ma.written + ma.dropped, 500)
        XCTAssertEqual(mb.written + mb.dropped, 501)
        XCTAssertGreaterThan(ma.dropped, 0)
        XCTAssertEqual(stats.counters.dropped, ma.dropped + mb.dropped)
        XCTAssertEqual(stats.counters.droppedAfterClose, 1)
    }

    func testHistogramPercentilesAreWithinThreePercentOnKnownInputs() throws {
        let (core, _) = try openCore(self, .init(level: .info, callTimingEvery: 0))
        let pointer = core.pointer
        // 1..100,000 ns, each once: p50 = 50,000, p90 = 90,000, p99 = 99,000, p99.9 = 99,900.
        for value in 1...100_000 as ClosedRange<UInt64> { sluice_record_call(pointer, value) }
        let h = try XCTUnwrap(core.stats.histograms[.callLatency])
        XCTAssertEqual(h.count, 100_000)
        XCTAssertEqual(h.min, 1)
        XCTAssertEqual(h.max, 100_000)
        XCTAssertEqual(h.sum, 100_000 * 100_001 / 2)
        for (got, want) in [(h.p50, 50_000.0), (h.p90, 90_000.0), (h.p99, 99_000.0), (h.p999, 99_900.0)] {
            XCTAssertLessThanOrEqual(abs(got - want) / want, 0.03, "\(got) vs \(want)")
        }
        XCTAssertEqual(h.below[17], 100_000, "every value is under 2^17")
        XCTAssertEqual(h.below[10], 1023, "values 1...1023 are under 2^10")
        // Wide values: 10 ns to 100 s, one per decade; each percentile stays within 3%.
        let (wide, _) = try openCore(self, .init(level: .info, callTimingEvery: 0), name: "wide")
        let widePointer = wide.pointer
        let decades: [UInt64] = (1...11).map { (0..<$0).reduce(1) { v, _ in v * 10 } }  // 10 ... 1e11
        for value in decades { for _ in 0..<10 { sluice_record_call(widePointer, value) } }
        let w = try XCTUnwrap(wide.stats.histograms[.callLatency])
        XCTAssertLessThanOrEqual(abs(w.p50 - 1e6) / 1e6, 0.03, "\(w.p50)")
        XCTAssertLessThanOrEqual(abs(w.p99 - 1e11) / 1e11, 0.03, "\(w.p99)")
    }

    func testOneCallInSixtyFourIsTimed() throws {
        let (core, _) = try openCore(self, .init(level: .info))
        let log = core.logger("timed")
        for i in 0..<6400 { log.info("call \(i)") }
        XCTAssertEqual(core.stats.histograms[.callLatency]?.count, 100)
        let (untimed, _) = try openCore(self, .init(level: .info, callTimingEvery: 0), name: "untimed")
        for i in 0..<640 { untimed.logger("timed").info("call \(i)") }
        XCTAssertEqual(untimed.stats.histograms[.callLatency]?.count, 0)
        XCTAssertThrowsError(try SluiceCore(.init(callTimingEvery: 3))) { error in
            XCTAssertEqual("\(error)", "sluice: callTimingEvery 3 is not 0 or a power of two up to 1048576; nothing was opened")
        }
    }

    func testPrometheusTextParsesBackToTheSameFigures() throws {
        let (core, _) = try openCore(self, .init(level: .info))
        let app = core.logger("app \"quoted\"")
        for i in 0..<64 { app.info("work \(i)") }
        for _ in 0..<7 { app.debug("hidden") }
        XCTAssertTrue(core.flush())
        let stats = core.stats
        let text = stats.prometheusText()
        var samples: [String: Double] = [:]
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                types[String(parts[2])] = String(parts[3])
                continue
            }
            guard !line.hasPrefix("#") else { continue }
            let split = try XCTUnwrap(line.lastIndex(of: " "), "\(line)")
            samples[String(line[..<split])] = try XCTUnwrap(Double(line[line.index(after: split)...]), "\(line)")
        }
        let coreLabel = "core=\"\(stats.coreID)\""
        let label = "{\(coreLabel)," + #"module="app \"quoted\""}"#
        XCTAssertEqual(samples["sluice_records_accepted_total" + label], 64)
        XCTAssertEqual(samples["sluice_records_written_total" + label], 64)
        XCTAssertEqual(samples["sluice_records_filtered_total" + label], 7)
        XCTAssertEqual(samples["sluice_records_dropped_total" + label], 0)
        XCTAssertEqual(samples["sluice_bytes_written_total{\(coreLabel)}"], Double(stats.counters.bytesWritten))
        XCTAssertEqual(types["sluice_call_duration_seconds"], "histogram")
        XCTAssertEqual(samples["sluice_call_duration_seconds_count{\(coreLabel)}"], 1, "1 call in 64 is timed")
        XCTAssertEqual(samples["sluice_call_duration_seconds_bucket{\(coreLabel),le=\"+Inf\"}"], 1)
        XCTAssertEqual(samples["sluice_end_to_end_seconds_count{\(coreLabel)}"], 64)
        let buckets = samples.filter { $0.key.hasPrefix("sluice_end_to_end_seconds_bucket") }.map(\.value)
        XCTAssertEqual(buckets.count, 41)
        XCTAssertEqual(buckets.max(), 64, "cumulative buckets end at the count")
    }

    func testABucketHoldsTheValuesUpToItsBoundAndTwoCoresPassPromtool() throws {
        let (first, _) = try openCore(self, .init(level: .info), name: "first")
        let (second, _) = try openCore(self, .init(level: .info), name: "second")
        for i in 0..<5 {  // five batches of one record each
            first.logger("app").info("one \(i)")
            XCTAssertTrue(first.flush())
        }
        second.logger("app").info("other")
        XCTAssertTrue(second.flush())
        let text = SluiceStats.prometheusText([first.stats, second.stats])
        let core = "core=\"\(first.stats.coreID)\""
        XCTAssertTrue(text.contains("sluice_batch_records_bucket{\(core),le=\"0\"} 0\n"), text)
        XCTAssertTrue(text.contains("sluice_batch_records_bucket{\(core),le=\"1\"} 5\n"), "a batch of 1 is at most 1")
        XCTAssertEqual(text.components(separatedBy: "# TYPE sluice_batch_records histogram").count, 2, "each family once")

        first.close()
        second.close()
        let check = try promtoolCheck(text)
        XCTAssertEqual(check.status, 0, check.out + check.err)
        XCTAssertEqual(check.out + check.err, "", "no problem, no lint")
    }

    /// A module name is the application's: one holding CR LF (a single Character in Swift), a
    /// lone CR, a quote or a backslash must never fail the whole scrape.
    func testModuleNamesWithLineBreaksQuotesAndBackslashesPassPromtool() throws {
        let (core, _) = try openCore(self, .init(level: .info))
        for name in ["crlf\r\nmodule", "cr\ronly", "lf\nonly", "quote\"d", "back\\slash", "tab\tand\u{1b}escape"] {
            core.logger(name).info("one")
        }
        XCTAssertTrue(core.flush())
        let text = core.stats.prometheusText()
        core.close()
        XCTAssertTrue(text.contains("module=\"crlf\r\\nmodule\""), "the line feed escaped, the CR as it is (the format has no escape for it)")
        XCTAssertTrue(text.contains(#"module="quote\"d""#) && text.contains(#"module="back\\slash""#), text)
        let check = try promtoolCheck(text)
        XCTAssertEqual(check.status, 0, check.out + check.err)
    }

    /// `promtool check metrics` of text; skips the test where promtool is missing.
    func promtoolCheck(_ text: String) throws -> ProcessResult {
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let promtool else {
            throw XCTSkip("promtool is missing: make test installs it (Debian: prometheus)")
        }
        let file = temporaryLogPath(self, "metrics")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try runExecutable("promtool", at: "/bin/sh", ["-c", "\(promtool) check metrics < '\(file)'"])
    }
}

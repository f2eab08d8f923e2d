import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// Several render threads (CSources/CSluice/renderers.h) write exactly what one writes, in the
/// same order, in every format and every sink, and lose nothing under load.
final class RenderThreadsTests: XCTestCase {
    /// A core writing text to path and JSON of warning and above to json, block policy.
    func openTwoSinks(_ path: String, _ json: String, renderThreads: UInt32) throws -> Core {
        var options = sluice_options()
        sluice_options_init(&options)
        options.ring_bytes = 64 << 10  // small: a cut record is 16 KiB, cheap to escape under the sanitizers
        options.overflow = Int32(SLUICE_OVERFLOW_BLOCK)
        options.render_threads = renderThreads
        var error = [CChar](repeating: 0, count: 512)
        let core = json.withCString { jsonPath -> OpaquePointer? in
            var more = sluice_sink_options(path: jsonPath, function: nil, level: Int32(SLUICE_WARNING), format: Int32(SLUICE_FORMAT_JSON),
                                           stream_priority_prefix: 0, json_keys: nil)
            return withUnsafePointer(to: &more) { more in
                path.withCString { path in
                    options.path = path
                    options.more_sinks = more
                    options.more_sink_count = 1
                    return sluice_open(&options, &error, error.count)
                }
            }
        }
        return Core(pointer: try XCTUnwrap(core, cString(error)))
    }

    /// The corpus: every level, three modules, escapes, invalid UTF-8, and every 97th record
    /// longer than the longest message a 64 KiB ring carries whole.
    func logCorpus(_ core: Core) {
        let modules = ["app", "db", "http.client"].map { name in name.withCString { sluice_module(core.pointer, $0) } }
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: Int(sluice_max_message(core.pointer)) + 100)
        for i in 0..<20_000 {
            var bytes = Array("record \(i) tab\t quote\" newline\n é ✓ ".utf8) + [0xFF, 0xC3]
            if i % 97 == 0 { bytes += long }
            XCTAssertEqual(log(core, modules[i % 3], bytes, level: Int32(i % 7)), Int32(SLUICE_OK))
        }
    }

    /// Each line without its timestamp: the only part two runs of the same records differ in.
    func linesWithoutTime(_ path: String) throws -> [Substring] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").map { line in
            line.hasPrefix("{\"ts\":\"") ? line.dropFirst(line.firstIndex(of: ",").map { line.distance(from: line.startIndex, to: $0) } ?? 0)
                                         : line.dropFirst(28)
        }
    }

    /// Where two files' lines first differ, each line cut to 160 bytes; nil if they do not.
    func firstDifference(_ a: [Substring], _ b: [Substring]) -> String? {
        guard let index = (0..<min(a.count, b.count)).first(where: { a[$0] != b[$0] }) ?? (a.count == b.count ? nil : min(a.count, b.count)) else {
            return nil
        }
        let line = { (lines: [Substring]) in index < lines.count ? String(lines[index].prefix(160)) : "(none)" }
        return "line \(index): \(line(a)) | \(line(b))"
    }

    func testEveryFormatAndSinkIsTheSameWithSeveralRenderThreadsAsWithOne() throws {
        var files: [[[Substring]]] = []
        var shares: [UInt64] = []
        for threads: UInt32 in [1, 4] {
            let path = temporaryLogPath(self, "text\(threads)"), json = temporaryLogPath(self, "json\(threads)")
            let core = try openTwoSinks(path, json, renderThreads: threads)
            logCorpus(core)
            sluice_close(core.pointer)
            let stats = sluice_core_stats(core.pointer)
            shares = (0..<sluice_stats_render_thread_count(stats)).map { sluice_stats_render_thread_records(stats, $0) }
            let c = counters(core)
            sluice_free(core.pointer)
            XCTAssertEqual(c.written, 20_000)
            XCTAssertEqual(shares.reduce(0, +), c.written, "every record rendered once, by one of \(threads) threads")
            files.append([try linesWithoutTime(path), try linesWithoutTime(json)])
        }
        XCTAssertEqual(files[0][0].count, 20_000)
        XCTAssertEqual(files[0][1].count, (0..<20_000).filter { $0 % 7 >= SLUICE_WARNING }.count, "warning, error and critical")
        XCTAssertNil(firstDifference(files[1][0], files[0][0]), "the text sink's lines, in the same order")
        XCTAssertNil(firstDifference(files[1][1], files[0][1]), "the JSON sink's lines, in the same order")
        XCTAssertEqual(shares.count, 4)
        XCTAssertGreaterThan(shares.dropFirst().reduce(0, +), 0, "the helpers rendered parts")
    }

    func testMovingProducersWithSeveralRenderThreadsWriteEveryRecordOnceInTheirOrder() throws {
        let producers = 8, perProducer = stressRecords(default: 500_000)
        for overflow in [Int32(SLUICE_OVERFLOW_DROP), Int32(SLUICE_OVERFLOW_BLOCK)] {
            let path = temporaryLogPath(self, "overflow\(overflow)")
            let core = try openCore(path: path, ringBytes: 65536, overflow: overflow, rings: 0, renderThreads: 3)
            let c = try checkMovingProducers(core, path: path, producers: producers, perProducer: perProducer)
            if overflow == Int32(SLUICE_OVERFLOW_BLOCK) { XCTAssertEqual(c.dropped, 0) }
        }
    }

    func testARenderThreadCountPastTheMostIsRefusedWithTheValue() {
        XCTAssertThrowsError(try openCore(path: "/dev/null", renderThreads: UInt32(SLUICE_RENDER_THREADS_MAX) + 1)) { error in
            XCTAssertEqual("\(error)", "sluice: render_threads 17 is more than 16; nothing was opened")
        }
    }
}

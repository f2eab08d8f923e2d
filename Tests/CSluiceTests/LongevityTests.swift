import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// What must not wear out: cores opened and closed by the thousand, and a statistics
/// reader handed hostile files.
final class LongevityTests: XCTestCase {
    func residentKiB() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        return (Int(statm.split(separator: " ").dropFirst().first ?? "0") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    func testTenThousandCoresOpenedLoggedToAndFreedLeaveMemoryWhereItWas() throws {
        let path = temporaryLogPath(self)
        let cores = underThreadSanitizer || underAddressSanitizer ? 1_000 : 10_000
        func cycle() throws {
            let core = try openCore(path: path, ringBytes: 4096)
            let module = sluice_module(core.pointer, "cycle")
            log(core, module, "one record")
            sluice_free(core.pointer)
        }
        for _ in 0..<200 { try cycle() }  // the allocator's and the runtime's own first use
        let before = residentKiB()
        for _ in 0..<cores { try cycle() }
        let grown = residentKiB() - before
        print("\(cores) cores opened, logged to and freed: resident memory grew by \(grown) KiB")
        XCTAssertLessThan(grown, 4096, "\(cores) cores grew resident memory by \(grown) KiB")
        XCTAssertEqual(readLines(path).count, 200 + cores)
    }

    func testMutatedStatisticsFilesAreRefusedOrReadButNeverCrashTheReader() throws {
        let core = try openCore(path: temporaryLogPath(self))
        defer { sluice_free(core.pointer) }
        for name in ["a", "b", "c"] { log(core, sluice_module(core.pointer, name), "x") }
        sluice_flush(core.pointer, -1)
        let live = String(cString: try XCTUnwrap(sluice_stats_path(sluice_core_stats(core.pointer))))
        let original = try XCTUnwrap(FileManager.default.contents(atPath: live))
        let copy = (sluice_stats_directory().map { String(cString: $0) } ?? "/tmp") + "/sluice-\(getpid())-fuzz\(UInt32.random(in: 0...UInt32.max))"
        XCTAssertTrue(FileManager.default.createFile(atPath: copy, contents: original, attributes: [.posixPermissions: 0o600]))
        defer { unlink(copy) }
        let fd = open(copy, O_RDWR)
        defer { close(fd) }
        var random = SplitMix(seed: 0x57a7_5f11e)
        // The header (sizes, counts, pid) and the module table hold what the reader checks;
        // shards and histograms are counts: a third of the mutations hit the header, a third
        // the header or the table, a third anywhere.
        let checked = min(original.count, 64 * 1024 + 160 * 1024)
        // Under a sanitizer, the first of the same mutations (the seed is fixed): make check runs all.
        let runs = underThreadSanitizer ? 2_000 : underAddressSanitizer ? 8_000 : 20_000
        var opened = 0, refused = 0
        for _ in 0..<runs {
            var saved: [(Int, UInt8)] = []
            for _ in 0..<(1 + Int(random.next() % 8)) {
                let region = [512, checked, original.count][Int(random.next() % 3)]
                let offset = Int(random.next() % UInt64(region))
                let value = UInt8(truncatingIfNeeded: random.next() % 4 == 0 ? 0xFF : random.next())
                saved.append((offset, original[offset]))
                _ = withUnsafePointer(to: value) { pwrite(fd, $0, 1, off_t(offset)) }
            }
            var error = [CChar](repeating: 0, count: 512)
            if let mapping = sluice_stats_open(copy, 0, &error, error.count) {
                opened += 1
                var counters = sluice_counters()
                sluice_stats_counters(mapping, &counters)
                for m in 0..<sluice_stats_module_count(mapping) {
                    var module = sluice_module_counters()
                    _ = sluice_stats_module(mapping, m, &module)
                }
                for s in 0..<sluice_stats_sink_count(mapping) {
                    var sink = sluice_sink_counters()
                    _ = sluice_stats_sink(mapping, s, &sink)
                }
                for h in 0..<Int32(SLUICE_HISTOGRAMS) {
                    var histogram = sluice_histogram()
                    sluice_stats_histogram(mapping, h, &histogram)
                }
                sluice_stats_close(mapping)
            } else {
                refused += 1
                let reason = cString(error)
                XCTAssertTrue(reason.hasPrefix("sluice: ") || reason.contains(copy), reason)
                XCTAssertFalse(reason.contains("\n"), reason)
            }
            for (offset, byte) in saved.reversed() {
                _ = withUnsafePointer(to: byte) { pwrite(fd, $0, 1, off_t(offset)) }
            }
        }
        print("\(runs) mutated statistics files: \(opened) read, \(refused) refused, none crashed the reader")
        XCTAssertEqual(opened + refused, runs)
        XCTAssertGreaterThan(refused, 0)
        XCTAssertGreaterThan(opened, 0)
    }
}

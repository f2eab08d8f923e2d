import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// Modules, levels, reserve/commit, and what the counters say about them.
final class RecordTests: XCTestCase {
    func testModulesKeepTheirIdAndNameAndRefuseBadNames() throws {
        let core = try openCore(path: temporaryLogPath(self))
        defer { sluice_free(core.pointer) }
        XCTAssertEqual(sluice_module(core.pointer, "sluice"), 0, "the core's own module")
        let a = sluice_module(core.pointer, "alpha")
        XCTAssertGreaterThan(a, 0)
        XCTAssertEqual(sluice_module(core.pointer, "alpha"), a)
        XCTAssertNotEqual(sluice_module(core.pointer, "beta"), a)
        XCTAssertEqual(String(cString: sluice_module_name(core.pointer, a)), "alpha")
        XCTAssertNil(sluice_module_name(core.pointer, 999))
        let empty = sluice_module(core.pointer, "")
        XCTAssertGreaterThan(empty, a, "the empty name is a module of its own")
        XCTAssertEqual(String(cString: sluice_module_name(core.pointer, empty)), "")
        XCTAssertEqual(sluice_module(core.pointer, nil), Int32(SLUICE_INVALID))
        XCTAssertEqual(sluice_module(core.pointer, String(repeating: "m", count: 128)), Int32(SLUICE_INVALID))
        XCTAssertGreaterThan(sluice_module(core.pointer, String(repeating: "m", count: 127)), 0)
    }

    func testModuleSettingsStartAsConfiguredAndChangeAtRunTime() throws {
        let core = try openCore(path: temporaryLogPath(self))
        defer { sluice_free(core.pointer) }
        let plain = sluice_module(core.pointer, "plain")
        XCTAssertEqual(sluice_module_level(core.pointer, plain), Int32(SLUICE_TRACE))
        XCTAssertEqual(sluice_module_sample_ppm(core.pointer, plain), SLUICE_PPM_ALL)
        let tuned = sluice_module_configured(core.pointer, "tuned", Int32(SLUICE_WARNING), 250_000)
        XCTAssertEqual(sluice_module_level(core.pointer, tuned), Int32(SLUICE_WARNING))
        XCTAssertEqual(sluice_module_sample_ppm(core.pointer, tuned), 250_000)
        XCTAssertEqual(sluice_module_configured(core.pointer, "tuned", Int32(SLUICE_DEBUG), 1), tuned)
        XCTAssertEqual(sluice_module_level(core.pointer, tuned), Int32(SLUICE_WARNING), "settings apply to new modules only")
        XCTAssertEqual(sluice_module_configured(core.pointer, "bad", 9, 1), Int32(SLUICE_INVALID))
        XCTAssertEqual(sluice_module_configured(core.pointer, "bad", Int32(SLUICE_INFO), 1_000_001), Int32(SLUICE_INVALID))

        let word = try XCTUnwrap(sluice_module_level_word(core.pointer, tuned))
        XCTAssertEqual(sluice_enabled(word, Int32(SLUICE_INFO)), 0)
        sluice_set_module_level(core.pointer, tuned, Int32(SLUICE_DEBUG))
        XCTAssertEqual(sluice_enabled(word, Int32(SLUICE_INFO)), 1, "the word a logger holds sees the change")
        sluice_set_module_level(core.pointer, tuned, 42)
        XCTAssertEqual(sluice_module_level(core.pointer, tuned), Int32(SLUICE_DEBUG), "an out-of-range level is ignored")
        sluice_set_module_sample_ppm(core.pointer, tuned, 5_000_000)
        XCTAssertEqual(sluice_sample_ppm(sluice_module_sample_word(core.pointer, tuned)), SLUICE_PPM_ALL)
        let sampler = sluice_module_sampler(core.pointer, tuned)
        XCTAssertNotNil(sampler)
        XCTAssertEqual(sluice_module_sampler(core.pointer, tuned), sampler, "one sampler per module")
    }

    func testTheModuleTableHasAFixedSizeAndOneSlotKeptForTheModulesPastIt() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let max = Int(SLUICE_MODULES_MAX)
        for i in 1..<max - 1 { XCTAssertEqual(sluice_module(core.pointer, "m\(i)"), Int32(i)) }
        XCTAssertEqual(sluice_module(core.pointer, "one-too-many"), Int32(SLUICE_INVALID))
        XCTAssertEqual(sluice_module(core.pointer, "m7"), 7, "existing names still resolve")
        let overflow = sluice_overflow_module(core.pointer)
        XCTAssertEqual(overflow, Int32(max - 1))
        XCTAssertEqual(sluice_overflow_module(core.pointer), overflow, "one overflow module")
        XCTAssertEqual(String(cString: sluice_module_name(core.pointer, overflow)), SLUICE_OVERFLOW_MODULE)

        func labelled(_ label: String, _ message: String, segments: Bool = false) -> Int32 {
            var label = label, message = message
            return label.withUTF8 { label in
                message.withUTF8 { message in
                    label.withMemoryRebound(to: CChar.self) { label in
                        sluice_log_labelled(core.pointer, Int32(SLUICE_INFO), overflow, label.baseAddress, label.count,
                                            message.baseAddress, message.count, segments ? 1 : 0)
                    }
                }
            }
        }
        XCTAssertEqual(labelled("late", "its own name"), Int32(SLUICE_OK))
        XCTAssertEqual(labelled("forged\nINFO x", "escaped like a name"), Int32(SLUICE_OK))
        let long = String(repeating: "y", count: Int(sluice_max_message(core.pointer)) + 100)
        XCTAssertEqual(labelled("cut", long), Int32(SLUICE_OK))
        XCTAssertEqual(labelled("", "x"), Int32(SLUICE_OK), "a label is a module name: the empty one too")
        XCTAssertEqual(labelled(String(repeating: "n", count: 128), "x"), Int32(SLUICE_INVALID))
        let maxMessage = sluice_max_message(core.pointer)
        sluice_free(core.pointer)
        let lines = readLines(path)
        XCTAssertEqual(lines.map(\.module), ["late", "forged\\nINFO x", "cut", ""])
        XCTAssertEqual(lines.first.map { String(decoding: $0.message, as: UTF8.self) }, "its own name")
        let cut = String(decoding: lines[2].message, as: UTF8.self)
        let kept = Int(maxMessage) - 4  // the label and its length byte
        XCTAssertTrue(cut.hasSuffix("yyy [sluice: truncated to \(kept) of \(long.utf8.count) bytes]"), String(cut.suffix(60)))
    }

    func testEveryLevelIsRenderedByNameAndBadArgumentsAreRefusedUncounted() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "levels")
        for level in Int32(SLUICE_TRACE)...Int32(SLUICE_CRITICAL) { log(core, module, "level \(level)", level: level) }
        XCTAssertEqual(log(core, module, "x", level: 7), Int32(SLUICE_INVALID))
        XCTAssertEqual(log(core, module, "x", level: -1), Int32(SLUICE_INVALID))
        XCTAssertEqual(log(core, 999, "x"), Int32(SLUICE_INVALID))
        XCTAssertEqual(log(core, -1, "x"), Int32(SLUICE_INVALID))
        XCTAssertEqual(sluice_log(core.pointer, Int32(SLUICE_INFO), module, nil, 5), Int32(SLUICE_INVALID))
        XCTAssertEqual(sluice_log(core.pointer, Int32(SLUICE_INFO), module, nil, 0), Int32(SLUICE_OK), "an empty message")
        sluice_close(core.pointer)
        XCTAssertEqual(counters(core).accepted, 8)
        sluice_free(core.pointer)
        XCTAssertEqual(readLines(path).map(\.level), ["TRACE", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "INFO"])
    }

    func testAReservationFilledInPlaceIsWrittenWithTheLengthCommitted() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "inplace")
        var r = sluice_reservation()
        XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_NOTICE), module, 100, &r), Int32(SLUICE_OK))
        XCTAssertEqual(r.capacity, 100)
        let text = Array("filled in place".utf8)
        for (i, byte) in text.enumerated() { r.message[i] = CChar(bitPattern: byte) }
        sluice_commit(core.pointer, &r, text.count)

        let largest = sluice_max_message(core.pointer)
        XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_INFO), module, largest + 10, &r), Int32(SLUICE_OK))
        XCTAssertEqual(r.capacity, largest, "an oversize reservation is cut to the largest message")
        for i in 0..<largest { r.message[i] = CChar(UInt8(ascii: "z")) }
        sluice_commit(core.pointer, &r, largest)
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)

        let lines = readLines(path)
        XCTAssertEqual(lines.map(\.level), ["NOTICE", "INFO"])
        XCTAssertEqual(String(decoding: lines[0].message, as: UTF8.self), "filled in place")
        XCTAssertEqual(String(decoding: lines[1].message, as: UTF8.self),
                       String(repeating: "z", count: largest) + " [sluice: truncated to \(largest) of \(largest + 10) bytes]")
        XCTAssertEqual(c.truncated, 1)
    }

    func testSegmentsReservedAndFilledInPlaceRenderAsLoggedOnesDo() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "inplace")
        var segments = Segments()
        segments.text("id=")
        segments.int(-42)
        segments.text(" done")
        for used in [segments.bytes.count, 3 + 5 + 1] {  // whole, then cut inside the integer's bytes
            var r = sluice_reservation()
            XCTAssertEqual(sluice_reserve_segments(core.pointer, Int32(SLUICE_INFO), module, segments.bytes.count, &r), Int32(SLUICE_OK))
            XCTAssertEqual(r.capacity, segments.bytes.count)
            for (i, byte) in segments.bytes.prefix(used).enumerated() { r.message[i] = CChar(bitPattern: byte) }
            sluice_commit(core.pointer, &r, used)
        }
        segments.bytes.withUnsafeBytes { _ = sluice_log_segments(core.pointer, Int32(SLUICE_INFO), module, $0.baseAddress, $0.count) }
        sluice_close(core.pointer)
        sluice_free(core.pointer)
        let lines = readLines(path).map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0], "id=-42 done")
        XCTAssertEqual(lines[2], lines[0], "the same as sluice_log_segments writes")
        XCTAssertTrue(lines[1].hasPrefix("id="), "a record cut inside its segments ends where they were cut: \(lines[1])")
    }

    func testAFailingSinkCountsItsErrorsAndDropsAndKeepsRunning() throws {
        let core = try openCore(path: "/dev/full")  // every write fails with ENOSPC
        let module = sluice_module(core.pointer, "full")
        for i in 0..<1000 { log(core, module, "record \(i)") }
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK), "flush completes: the records are counted as dropped")
        for i in 0..<1000 { log(core, module, "more \(i)") }
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)
        XCTAssertEqual(c.accepted, 2000)
        XCTAssertEqual(c.written, 0)
        XCTAssertEqual(c.dropped, 2000)
        XCTAssertGreaterThan(c.write_errors, 0)
    }

    func testASinkThatFailsAndRecoversIsCountedReportedInTheStreamAndResumed() throws {
        let path = temporaryLogPath(self)
        var limit = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit), 0)
        let original = limit
        limit.rlim_cur = 64 << 10  // writes past 64 KiB fail with EFBIG (the writer blocks SIGXFSZ)
        XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit), 0)
        var restored = false
        func restore() {
            if !restored { var o = original; setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &o); restored = true }
        }
        defer { restore() }

        let core = try openCore(path: path, ringBytes: 1 << 20, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "fsize")
        let padding = String(repeating: ".", count: 80)
        for i in 0..<2000 { log(core, module, "failing \(i) \(padding)") }  // ~240 KB
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        let failing = counters(core)
        XCTAssertGreaterThan(failing.write_errors, 0)
        XCTAssertGreaterThan(failing.dropped, 0)
        XCTAssertGreaterThan(failing.written, 0)
        XCTAssertEqual(failing.written + failing.dropped, failing.accepted)

        restore()
        for i in 0..<100 { log(core, module, "recovered \(i)") }
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)
        XCTAssertEqual(c.written, failing.written + 100)
        XCTAssertEqual(c.written + c.dropped, c.accepted)

        let raw = try XCTUnwrap(FileManager.default.contents(atPath: path))
        let texts = raw.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        let parsed = texts.compactMap { parseLine(ArraySlice($0)) }
        XCTAssertLessThanOrEqual(texts.count - parsed.count, 1, "at most the line cut by the failing write is broken")
        let reported = parsed.filter { $0.module == "sluice" }.map { line -> UInt64 in
            let words = String(decoding: line.message, as: UTF8.self).split(separator: " ")
            return UInt64(words[1]) ?? 0
        }
        XCTAssertEqual(reported.reduce(0, +), c.dropped, "the gap is reported in the stream once it works again")
        let recovered = parsed.filter { $0.module == "fsize" && $0.message.starts(with: Array("recovered".utf8)) }
        XCTAssertEqual(recovered.count, 100)
    }

    func testTheHighWaterMarkAndDepthFollowTheLoad() throws {
        let core = try openCore(path: temporaryLogPath(self), ringBytes: 1 << 20, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "depth")
        for i in 0..<20000 { log(core, module, "record \(i) with some words to take room") }
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        let c = counters(core)
        sluice_free(core.pointer)
        XCTAssertEqual(c.depth_bytes, 0)
        XCTAssertGreaterThan(c.high_water_bytes, 0)
        XCTAssertLessThanOrEqual(c.high_water_bytes, c.ring_bytes)
        XCTAssertGreaterThan(c.bytes_written, 20000 * 60)
    }

    func testARingThatFilledShowsAHighWaterMarkOfTheWholeRing() throws {
        let core = try openCore(path: temporaryLogPath(self), ringBytes: 1 << 20, overflow: Int32(SLUICE_OVERFLOW_DROP))
        defer { sluice_free(core.pointer) }
        let module = sluice_module(core.pointer, "full")
        let message = String(repeating: "x", count: 1000)
        var rounds = 0
        while counters(core).dropped_full == 0 && rounds < 1000 {  // warnings: they may fill the whole ring
            for _ in 0..<4096 { log(core, module, message, level: Int32(SLUICE_WARNING)) }
            rounds += 1
        }
        XCTAssertGreaterThan(counters(core).dropped_full, 0, "a producer outran the writer")
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        let c = counters(core)
        // A drop means a reservation found no room; the writer's next release saw that depth.
        XCTAssertGreaterThan(c.high_water_bytes, c.ring_bytes - 4096)
        XCTAssertLessThanOrEqual(c.high_water_bytes, c.ring_bytes)
        XCTAssertEqual(c.depth_bytes, 0)
    }

    func testOnlyATruncatedRecordThatReachedTheRingCountsAsTruncated() throws {
        let core = try openCore(path: "/dev/null", ringBytes: 4096, overflow: Int32(SLUICE_OVERFLOW_DROP))
        let module = sluice_module(core.pointer, "cut")
        var held = sluice_reservation()  // the writer waits for it: the ring fills
        XCTAssertEqual(sluice_reserve(core.pointer, Int32(SLUICE_INFO), module, 8, &held), Int32(SLUICE_OK))
        while log(core, module, String(repeating: "f", count: 100)) == Int32(SLUICE_OK) {}
        let oversize = String(repeating: "x", count: 2 * sluice_max_message(core.pointer))
        XCTAssertEqual(log(core, module, oversize), Int32(SLUICE_DROPPED))
        XCTAssertEqual(counters(core).truncated, 0, "dropped, so neither truncated nor written")
        sluice_commit(core.pointer, &held, 0)
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        XCTAssertEqual(log(core, module, oversize), Int32(SLUICE_OK))
        sluice_flush(core.pointer, -1)
        XCTAssertEqual(counters(core).truncated, 1)
        sluice_free(core.pointer)
    }
}

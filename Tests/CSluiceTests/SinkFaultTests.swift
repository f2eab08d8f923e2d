import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Calls of the injected write, made by the writer thread alone while a test runs.
nonisolated(unsafe) private var injectedCalls = 0

/// Faults in the sink, injected through the write seam: the file stays byte-exact.
final class SinkFaultTests: XCTestCase {
    func testEINTRAndShortWritesLeaveTheFileByteExact() throws {
        injectedCalls = 0
        sluice_test_set_write { fd, data, length in
            injectedCalls += 1
            switch injectedCalls % 3 {
            case 0:  // interrupted before writing anything
                errno = EINTR
                return -1
            case 1:  // a short write: a few bytes, often mid-line
                return write(fd, data, min(length, 1 + injectedCalls % 7))
            default:
                return write(fd, data, length)
            }
        }
        defer { sluice_test_set_write(nil) }
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 1 << 16, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "faults")
        let records = (0..<10_000).map { "record \($0) " + String(repeating: "abcdefghij", count: $0 % 13) }
        for (i, record) in records.enumerated() {
            log(core, module, record)
            if i % 1000 == 999 { sluice_flush(core.pointer, -1) }  // many batches, each through the faults
        }
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)
        XCTAssertGreaterThan(injectedCalls, 10, "the seam was used, batch after batch")
        XCTAssertEqual(readLines(path).map { String(decoding: $0.message, as: UTF8.self) }, records, "byte-exact, in order")
        XCTAssertEqual(c.written, 10_000)
        XCTAssertEqual(c.write_errors, 0, "an interrupted or short write is not an error")
        XCTAssertEqual(c.bytes_written, UInt64(try XCTUnwrap(FileManager.default.contents(atPath: path)).count))
    }

    func testDevFullAsTheFileCountsEveryRecordAsDroppedByTheSinkAndNothingElseBreaks() throws {
        let core = try openCore(path: "/dev/full")
        let module = sluice_module(core.pointer, "full")
        for i in 0..<1000 {
            XCTAssertEqual(log(core, module, "record \(i)"), Int32(SLUICE_OK))
            if i % 100 == 99 { XCTAssertEqual(sluice_flush(core.pointer, 5000), Int32(SLUICE_OK)) }
        }
        sluice_close(core.pointer)
        let c = counters(core)
        sluice_free(core.pointer)
        XCTAssertEqual(c.accepted, 1000)
        XCTAssertEqual(c.written, 0)
        XCTAssertEqual(c.dropped_by_sink, 1000, "every record, counted")
        XCTAssertEqual(c.dropped, 1000)
        XCTAssertGreaterThanOrEqual(c.write_errors, 10, "each batch's write failed")
    }

    func testAFormatterThatLogsIntoItsOwnFullRingDropsThoseRecordsInsteadOfDeadlocking() throws {
        let result = try runChild(["formatter-logs", "10000"])
        XCTAssertEqual(result.reason, .exit, "no deadlock (the child's alarm would kill it): \(result.err)")
        XCTAssertEqual(result.status, 0, result.err)
        let words = result.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 8 else { return XCTFail(result.out) }
        let accepted = UInt64(words[1])!, written = UInt64(words[3])!, dropped = UInt64(words[5])!
        XCTAssertGreaterThanOrEqual(accepted, 10_000)
        XCTAssertEqual(accepted, written + dropped, "every record the formatter logged counted too")
    }

    func testAFullDiskCountsWhatItCannotWriteAndLoggingResumesWithinASecondOnceSpaceIsFreed() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to mount a small tmpfs; skipped") }
        let directory = temporaryLogPath(self, "tmpfs")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mounted = try runExecutable("mount", at: "/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", directory])
        guard mounted.status == 0 else { throw XCTSkip("cannot mount a tmpfs here (\(mounted.err)); skipped") }
        defer { _ = try? runExecutable("umount", at: "/bin/umount", [directory]) }
        let filler = directory + "/filler"
        XCTAssertTrue(FileManager.default.createFile(atPath: filler, contents: Data(count: 192 * 1024)))
        let path = directory + "/app.log"
        let core = try openCore(path: path)
        defer { sluice_free(core.pointer) }
        let module = sluice_module(core.pointer, "disk")
        var i = 0
        while counters(core).write_errors == 0 && i < 100_000 {  // fill the rest
            log(core, module, "record \(i) " + String(repeating: "x", count: 100))
            i += 1
            if i % 100 == 0 { sluice_flush(core.pointer, 5000) }
        }
        for _ in 0..<500 { log(core, module, "lost \(i)"); i += 1 }  // the disk is full: counted
        sluice_flush(core.pointer, 5000)
        let full = counters(core)
        XCTAssertGreaterThan(full.write_errors, 0, "the disk filled")
        XCTAssertGreaterThan(full.dropped_by_sink, 0)
        try FileManager.default.removeItem(atPath: filler)
        let freed = Date()
        var resumed: TimeInterval?
        while resumed == nil && Date().timeIntervalSince(freed) < 5 {
            let errors = counters(core).write_errors
            log(core, module, "after the space came back")
            sluice_flush(core.pointer, 5000)
            if counters(core).write_errors == errors { resumed = Date().timeIntervalSince(freed) }
        }
        sluice_close(core.pointer)
        let c = counters(core)
        XCTAssertLessThan(try XCTUnwrap(resumed, "logging never resumed"), 1, "within a second of the space coming back")
        XCTAssertEqual(c.accepted, c.written + c.dropped)
        let messages = readLines(path).map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertTrue(messages.contains { $0.hasPrefix("dropped ") }, "the gap reported in the stream")
        XCTAssertTrue(messages.contains("after the space came back"))
        let reported = messages.compactMap { $0.hasPrefix("dropped ") ? UInt64($0.split(separator: " ")[1]) : nil }.reduce(0, +)
        XCTAssertEqual(reported, c.dropped, "every record the full disk cost, reported")
    }
}

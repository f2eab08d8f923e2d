import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// A recoverable core's ring outlives a kill -9; sluice_recover writes what it held, once,
/// and trusts nothing in the file.
final class RingRecoveryTests: XCTestCase {
    /// A statistics directory of this test's own, removed when it ends.
    func statsDirectory(_ name: String = #function) throws -> String {
        try temporaryDirectory(self, name)
    }

    /// Runs the killed scenario with its statistics in directory; the ring file it left.
    func killedChild(_ log: String, threads: Int, records: Int, torn: Bool, writer: String, in directory: String)
        throws -> String
    {
        let result = try runChild(["killed", log, "\(threads)", "\(records)", torn ? "1" : "0", writer],
                                  environment: ["SLUICE_STATS_DIR": directory])
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err)
        XCTAssertEqual(result.status, SIGKILL)
        let rings = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ring") }
        XCTAssertEqual(rings.count, 1, "\(rings)")
        let ring = directory + "/" + (rings.first ?? "none")
        let perRing = 4096 + Int(SLUICE_RING_DEFAULT)  // a header page and the records
        XCTAssertEqual(try size(of: ring), perRing * min(Int(sluice_test_cpu_count()), Int(SLUICE_RINGS_AUTO_MAX)),
                       "one ring per CPU, one after another in the file")
        return ring
    }

    /// Recovers ring into a fresh file: its lines and what the call said.
    func recover(_ ring: String, format: Int32 = -1) throws -> (lines: [Line], result: sluice_recovery, status: Int32, error: String) {
        let output = temporaryLogPath(self, "recovered")
        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        var result = sluice_recovery()
        var error = [CChar](repeating: 0, count: 512)
        let status = sluice_recover(ring, fd, format, &result, &error, error.count)
        return (try size(of: output) > 0 ? readLines(output) : [], result, status, cString(error))
    }

    /// Bytes in the file: what an empty file is checked with, since Foundation leaks the buffer it
    /// reads an empty file into (LeakSanitizer, make test-asan, sees it).
    func size(of path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    /// Each thread's messages, in the order the lines hold them.
    func byThread(_ lines: [Line]) -> [String: [Int]] {
        var threads: [String: [Int]] = [:]
        for line in lines {
            let words = String(decoding: line.message, as: UTF8.self).split(separator: " ")
            threads[String(words[0]), default: []].append(Int(words[1]) ?? -1)
        }
        return threads
    }

    func testATornReservationIsSkippedAndCountedAndEveryCommittedRecordIsRecoveredInOrder() throws {
        let directory = try statsDirectory()
        let log = temporaryLogPath(self)
        let ring = try killedChild(log, threads: 4, records: 5000, torn: true, writer: "paused", in: directory)
        XCTAssertEqual(try size(of: log), 0, "the writer was paused")

        let first = try recover(ring)
        XCTAssertEqual(first.status, Int32(SLUICE_OK), first.error)
        XCTAssertEqual(first.result.records, 20000)
        XCTAssertEqual(first.result.torn, 1)
        XCTAssertEqual(first.result.modules_named, 1)
        XCTAssertEqual(Set(first.lines.map(\.module)), ["child"])
        let threads = byThread(first.lines)
        XCTAssertEqual(threads.keys.sorted(), ["t0", "t1", "t2", "t3"])
        for (thread, numbers) in threads {
            XCTAssertTrue(numbers == Array(0..<5000), "\(thread): every record once, in its order (\(numbers.count) lines)")
        }

        let second = try recover(ring)
        XCTAssertEqual(second.status, Int32(SLUICE_OK), second.error)
        XCTAssertEqual(second.result.records, 0)
        XCTAssertEqual(second.lines.count, 0, "a second recovery writes nothing")
    }

    func testFormattedRecordsOfAKilledProcessRecoverWithTheTextOfItsFormats() throws {
        let directory = try statsDirectory()
        let log = temporaryLogPath(self)
        let ring = try killedChild(log, threads: 3, records: 2000, torn: false, writer: "formatted", in: directory)
        XCTAssertTrue(FileManager.default.fileExists(atPath: String(ring.dropLast(5)) + ".formats"), "kept beside the ring")
        let recovered = try recover(ring)
        XCTAssertEqual(recovered.status, Int32(SLUICE_OK), recovered.error)
        XCTAssertEqual(recovered.result.records, 6000)
        let messages = recovered.lines.map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertTrue(messages.allSatisfy { $0.hasPrefix("t") }, "each with its format's text: \(messages.prefix(3))")
        let threads = byThread(recovered.lines.filter { $0.message.first == UInt8(ascii: "t") })
        XCTAssertEqual(threads.keys.sorted(), ["t0", "t1", "t2"], "the format registered before the core and those after it")
        for (thread, numbers) in threads {
            XCTAssertTrue(numbers == Array(0..<2000), "\(thread): every record once, in its order, with its text")
        }
    }

    func testWhatTheWriterWroteAndWhatRecoveryWritesAreEveryRecordOnce() throws {
        for torn in [false, true] {
            let directory = try statsDirectory()
            let log = temporaryLogPath(self)
            let ring = try killedChild(log, threads: 4, records: 20000, torn: torn, writer: "runs", in: directory)
            let recovered = try recover(ring)
            XCTAssertEqual(recovered.status, Int32(SLUICE_OK), recovered.error)
            XCTAssertEqual(recovered.result.torn, torn ? 1 : 0)
            // A kill in the middle of a write(2) can leave the log's last line cut: that record
            // was being written, so the recovery has it whole.
            let written = try size(of: log) > 0 ? Data(contentsOf: URL(fileURLWithPath: log)) : Data()
            let whole = written.prefix(through: written.lastIndex(of: UInt8(ascii: "\n")) ?? -1)
            var seen = byThread(whole.split(separator: UInt8(ascii: "\n")).compactMap { parseLine(ArraySlice($0)) })
            for (thread, numbers) in byThread(recovered.lines) { seen[thread, default: []] += numbers }
            let repeated = seen.values.reduce(0) { $0 + $1.count - Set($1).count }
            XCTAssertLessThanOrEqual(UInt64(repeated), recovered.result.maybe_written,
                                     "only a batch the writer was writing when it died may be in both")
            for thread in 0..<4 {
                let missing = Set(0..<20000).subtracting(seen["t\(thread)"] ?? [])
                XCTAssertEqual(missing.count, 0, "torn \(torn): t\(thread) lost \(missing.sorted().prefix(5))…")
            }
            try FileManager.default.removeItem(atPath: directory)
        }
    }

    func testRecordsTheWriterWasWritingWhenKilledAreRecoveredAndSaidToBeMaybeWritten() throws {
        let directory = try statsDirectory()
        let log = temporaryLogPath(self)
        let ring = try killedChild(log, threads: 2, records: 5000, torn: false, writer: "stuck", in: directory)
        XCTAssertEqual(try size(of: log), 0, "its first write never returned")
        let recovered = try recover(ring)
        XCTAssertEqual(recovered.status, Int32(SLUICE_OK), recovered.error)
        XCTAssertEqual(recovered.result.records, 10000, "a rendered batch stays in the ring until its write returns")
        XCTAssertGreaterThan(recovered.result.maybe_written, 0)
        XCTAssertLessThan(recovered.result.maybe_written, 10000, "only the batch in the write")
    }

    func testALiveProcessesRingAndFilesThatAreNotRingsAreRefused() throws {
        let directory = try statsDirectory()
        setenv("SLUICE_STATS_DIR", directory, 1)
        defer { unsetenv("SLUICE_STATS_DIR") }
        var options = sluice_options()
        sluice_options_init(&options)
        options.recoverable = 1
        let core = try XCTUnwrap("/dev/null".withCString { path in
            options.path = path
            return sluice_open(&options, nil, 0)
        })
        let ring = String(cString: sluice_stats_path(sluice_core_stats(core))) + ".ring"
        XCTAssertTrue(FileManager.default.fileExists(atPath: ring))

        let live = try recover(ring)
        XCTAssertEqual(live.status, Int32(SLUICE_INVALID))
        XCTAssertEqual(live.error, "sluice: cannot recover \(ring): process \(getpid()) is running: its own writer writes these records (recover only a dead process's ring)")

        let contents = try XCTUnwrap(FileManager.default.contents(atPath: ring))
        let cases: [(String, Data, String)] = [
            ("junk", Data("not a ring".utf8), "too short for a Sluice ring file (truncated?)"),
            ("zeros", Data(count: contents.count), "not a Sluice ring file"),
            ("cut", contents.prefix(contents.count - 4096), "a ring of impossible size or key (corrupt, or truncated)"),
        ]
        for (name, data, problem) in cases {
            let path = directory + "/" + name
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]))
            let refused = try recover(path)
            XCTAssertEqual(refused.status, Int32(SLUICE_INVALID), name)
            XCTAssertEqual(refused.error, "sluice: cannot recover \(path): \(problem)", name)
        }
        let link = directory + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: ring)
        XCTAssertEqual(try recover(link).error, "sluice: cannot recover \(link): a symbolic link, not a ring file")

        sluice_free(core)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ring), "freed: the ring file goes with the statistics file")
    }
}

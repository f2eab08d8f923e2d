import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// Rotation by time (sluice_options.file_rotate), names by date, gzip on the housekeeper's thread,
/// retention by count and age: the clock files rotate by is the test's (sluice_test_shift_clock).
final class TimeRotationTests: XCTestCase {
    static let beforeOne: Int64 = 1_796_648_398  // 2026-12-07T12:59:58Z

    override func tearDown() {
        sluice_test_shift_clock(0)
    }

    /// The clock rotation reads, at the UTC second utc (and running on from there).
    private func setClock(_ utc: Int64) {
        sluice_test_shift_clock(utc - Int64(time(nil)))
    }

    private func open(_ path: String, _ adjust: (inout sluice_options) -> Void) throws -> Core {
        try openCore(path: path) { options in
            options.file_rotate = Int32(SLUICE_ROTATE_HOURLY)
            adjust(&options)
        }
    }

    /// Logs "record <n>" for each n, then waits until the writer wrote them.
    private func log(_ core: Core, _ records: Range<Int>) {
        let module = sluice_module(core.pointer, "app")
        for n in records {
            let text = "record \(n)"
            sluice_log(core.pointer, Int32(SLUICE_INFO), module, text, text.utf8.count)
        }
        XCTAssertEqual(sluice_flush(core.pointer, 5000), Int32(SLUICE_OK))
    }

    /// The rotated files beside path, by name (the order of their contents), ".gz" kept.
    private func rotated(_ path: String) throws -> [String] {
        let directory = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix(base + ".") }
            .sorted { $0.replacingOccurrences(of: ".gz", with: "") < $1.replacingOccurrences(of: ".gz", with: "") }
    }

    /// The record numbers a file holds, decompressing a .gz with zcat.
    private func records(_ file: String) throws -> [Int] {
        var text = ""
        if file.hasSuffix(".gz") {
            let zcat = Process(), output = Pipe()
            zcat.executableURL = URL(fileURLWithPath: "/usr/bin/zcat")
            zcat.arguments = [file]
            zcat.standardOutput = output
            try zcat.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            zcat.waitUntilExit()
            XCTAssertEqual(zcat.terminationStatus, 0, "zcat \(file) reads it whole")
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = try String(contentsOfFile: file, encoding: .utf8)
        }
        return text.split(separator: "\n").map { Int($0.split(separator: " ").last!)! }
    }

    /// Waits until condition holds (the housekeeper works on its own thread), at most 10 s.
    private func eventually(_ what: String, _ condition: () throws -> Bool) rethrows {
        let deadline = Date().addingTimeInterval(10)
        while try !condition() {
            if Date() > deadline {
                XCTFail("still not so after 10 s: \(what)")
                return
            }
            usleep(20_000)
        }
    }

    func testEachHourGetsAFileNamedByItsHourAndEveryRecordIsInExactlyOne() throws {
        let path = temporaryLogPath(self)
        setClock(Self.beforeOne)
        let core = try open(path) { _ in }
        log(core, 0..<100)
        setClock(Self.beforeOne + 3600)  // 13:59:58: the file of 12 rotates at the next write
        log(core, 100..<200)
        setClock(Self.beforeOne + 3 * 3600)  // 15:59:58: an hour without a record makes no file
        log(core, 200..<300)
        XCTAssertEqual(counters(core).rotations, 2)
        sluice_free(core.pointer)
        let directory = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        XCTAssertEqual(try rotated(path), ["\(base).2026-12-07T12", "\(base).2026-12-07T13"])
        let all = try rotated(path).flatMap { try records(directory + "/" + $0) } + records(path)
        XCTAssertEqual(all, Array(0..<300), "every record once, in order, across the files")
        XCTAssertEqual(try records(directory + "/\(base).2026-12-07T13"), Array(100..<200))
    }

    func testDailyRotationInLocalTimeTurnsAtLocalMidnight() throws {
        let saved = getenv("TZ").map { String(cString: $0) }
        setenv("TZ", "XYZ-5:30", 1)
        tzset()
        defer {
            if let saved { setenv("TZ", saved, 1) } else { unsetenv("TZ") }
            tzset()
        }
        let path = temporaryLogPath(self)
        setClock(1_796_668_198)  // 2026-12-07T18:29:58Z: 23:59:58 at +05:30
        let core = try open(path) { options in
            options.file_rotate = Int32(SLUICE_ROTATE_DAILY)
            options.local_time = 1
        }
        log(core, 0..<10)
        setClock(1_796_668_198 + 5)  // local midnight passed, UTC's is hours away
        log(core, 10..<20)
        sluice_free(core.pointer)
        let base = (path as NSString).lastPathComponent
        XCTAssertEqual(try rotated(path), ["\(base).2026-12-07"])
        XCTAssertEqual(try records(path), Array(10..<20))
    }

    func testSizeRotationWithinAnHourNamesPartsThatSortAsTheirContents() throws {
        let path = temporaryLogPath(self)
        setClock(Self.beforeOne - 1800)  // 12:29:58
        let core = try open(path) { options in
            options.file_max_bytes = 2000  // a line is about 50 bytes: ~40 a file
            options.file_keep = 1000
        }
        log(core, 0..<300)
        setClock(Self.beforeOne + 3600)
        log(core, 300..<310)
        sluice_free(core.pointer)
        let names = try rotated(path)
        XCTAssertGreaterThan(names.count, 5)
        XCTAssertTrue(names[0].hasSuffix(".2026-12-07T12"), "the hour's first part has the hour's name: \(names)")
        XCTAssertTrue(names.dropFirst().allSatisfy { $0.contains(".2026-12-07T12") }, "\(names)")
        let directory = (path as NSString).deletingLastPathComponent
        let all = try names.flatMap { try records(directory + "/" + $0) } + records(path)
        XCTAssertEqual(all, Array(0..<310), "by name, the parts hold the records in order")
    }

    func testRotatedFilesAreCompressedAndZcatGivesBackWhatWasWritten() throws {
        let path = temporaryLogPath(self)
        let directory = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        setClock(Self.beforeOne)
        let core = try open(path) { $0.file_compress = 1 }
        for hour in 0..<3 {
            log(core, hour * 1000..<hour * 1000 + 1000)
            setClock(Self.beforeOne + Int64(hour + 1) * 3600)
        }
        log(core, 3000..<3001)
        try eventually("three files compressed") { try rotated(path).filter { $0.hasSuffix(".gz") }.count == 3 }
        sluice_free(core.pointer)
        XCTAssertEqual(try rotated(path), ["12", "13", "14"].map { "\(base).2026-12-07T\($0).gz" }, "no .part, no original left")
        for (hour, name) in try rotated(path).enumerated() {
            XCTAssertEqual(try records(directory + "/" + name), Array(hour * 1000..<hour * 1000 + 1000))
        }
    }

    func testRetentionKeepsTheNewestAndRemovesWhatIsOlderThanTheMaximumAge() throws {
        let path = temporaryLogPath(self)
        let directory = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        setClock(Self.beforeOne)
        let core = try open(path) { options in
            options.file_keep = 3
            options.file_max_age_s = 7 * 86400
        }
        for hour in 0..<5 {
            log(core, hour..<hour + 1)
            setClock(Self.beforeOne + Int64(hour + 1) * 3600)
        }
        log(core, 5..<6)
        try eventually("the newest 3 kept") { try rotated(path).count == 3 }
        XCTAssertEqual(try rotated(path), ["14", "15", "16"].map { "\(base).2026-12-07T\($0)" })
        // Written 8 days ago, by its mtime: removed at the next pass, which a rotation asks for.
        let old = directory + "/\(base).2026-12-07T14"
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-8 * 86400)], ofItemAtPath: old)
        setClock(Self.beforeOne + 6 * 3600)
        log(core, 6..<7)
        try eventually("the 8-day-old file removed") { try !rotated(path).contains("\(base).2026-12-07T14") }
        sluice_free(core.pointer)
        XCTAssertEqual(try rotated(path), ["15", "16", "17"].map { "\(base).2026-12-07T\($0)" })
    }

    func testWhatACrashLeftIsFinishedByTheNextRunAndAFreshPartIsLeftToItsWriter() throws {
        let path = temporaryLogPath(self)
        let directory = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        let name = { (hour: String) in directory + "/\(base).2026-12-07T\(hour)" }
        let lines = (0..<500).map { "record \($0)\n" }.joined()
        for hour in ["09", "10", "11"] {
            try lines.write(toFile: name(hour), atomically: false, encoding: .utf8)
        }
        // 09: compressed whole and renamed, the crash came before the original was removed.
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        gzip.arguments = ["-k", name("09")]
        try gzip.run()
        gzip.waitUntilExit()
        // 10: half a .part, from a crash two minutes ago.
        try "\u{1f}\u{8b} half".write(toFile: name("10") + ".gz.part", atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-120)], ofItemAtPath: name("10") + ".gz.part")
        // 11: a .part being written now by another process's housekeeper.
        try "busy".write(toFile: name("11") + ".gz.part", atomically: false, encoding: .utf8)
        let core = try open(path) { $0.file_compress = 1 }  // its housekeeper's first pass
        try eventually("09 and 10 compressed") {
            let names = try rotated(path)
            return names.contains("\(base).2026-12-07T10.gz") && !names.contains("\(base).2026-12-07T09")
        }
        sluice_free(core.pointer)
        XCTAssertEqual(try rotated(path), [
            "\(base).2026-12-07T09.gz", "\(base).2026-12-07T10.gz", "\(base).2026-12-07T11", "\(base).2026-12-07T11.gz.part",
        ])
        XCTAssertEqual(try records(name("09") + ".gz"), Array(0..<500))
        XCTAssertEqual(try records(name("10") + ".gz"), Array(0..<500))
    }

    func testARotationOutsideTheThreeIsRefusedWithTheValue() {
        var options = sluice_options()
        sluice_options_init(&options)
        options.file_rotate = 5
        var error = [CChar](repeating: 0, count: 512)
        XCTAssertNil(sluice_open(&options, &error, error.count) as OpaquePointer?)
        XCTAssertTrue(cString(error).hasPrefix("sluice: file_rotate 5 is none of SLUICE_ROTATE_BY_SIZE (0)"), cString(error))
    }
}

import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

/// Rotation by size, reopen on request, and the real logrotate in both of its modes: every
/// record in exactly one file, in order, no line split, counted against what was logged.
final class RotationTests: XCTestCase {
    /// A folder of its own for a log file and its rotated siblings.
    func folder() throws -> String {
        let path = (temporaryLogPath(self) as NSString).deletingPathExtension
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The messages of files, oldest first, each file checked to end with a whole line.
    func records(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), "\(path) ends with a whole line")
            return try messages(path)
        }
    }

    func logInBatches(_ log: SluiceLogger, _ core: SluiceCore, from: Int, count: Int, batch: Int = 50) {
        for i in from..<from + count {
            log.info("record \(i) \(String(repeating: "x", count: 40))")
            if (i + 1) % batch == 0 { core.flush() }
        }
        core.flush()
    }

    func testTheFileRotatesBySizeWithEveryRecordOnceAndNoLineSplit() throws {
        let directory = try folder(), path = directory + "/app.log"
        let core = try SluiceCore(.init(level: .info, destination: .file(path), fileMaxBytes: 20_000, fileKeep: 100))
        logInBatches(core.logger("app"), core, from: 0, count: 3_000)
        core.close()
        let rotations = Int(core.counters.rotations)
        XCTAssertGreaterThan(rotations, 5)
        let files = (1...rotations).reversed().map { "\(path).\($0)" } + [path]
        for file in files.dropLast() {
            let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
            XCTAssertLessThanOrEqual(size, 20_000, "\(file): rotated before a batch would pass the limit")
        }
        let expected = (0..<3_000).map { "record \($0) \(String(repeating: "x", count: 40))" }
        XCTAssertEqual(try records(files), expected)
        XCTAssertEqual(core.counters.rotationFailures, 0)
    }

    func testOnlyTheNewestRotatedFilesAreKept() throws {
        let directory = try folder(), path = directory + "/app.log"
        let core = try SluiceCore(.init(level: .info, destination: .file(path), fileMaxBytes: 10_000, fileKeep: 2))
        logInBatches(core.logger("app"), core, from: 0, count: 1_000)
        core.close()
        XCTAssertGreaterThan(core.counters.rotations, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["app.log", "app.log.1", "app.log.2"])
        let kept = try records([path + ".2", path + ".1", path])
        XCTAssertEqual(kept.last, "record 999 \(String(repeating: "x", count: 40))", "the newest are kept, in order")
    }

    func testARenameThatFailsLosesNothingAndIsCountedAndReported() throws {
        let directory = try folder(), path = directory + "/app.log"
        try FileManager.default.createDirectory(atPath: path + ".1", withIntermediateDirectories: false)  // in the way
        var core: SluiceCore?
        let stderr = try capturingStandardError {
            core = try SluiceCore(.init(level: .info, destination: .file(path), fileMaxBytes: 5_000, fileKeep: 1))
            logInBatches(core!.logger("app"), core!, from: 0, count: 500)
            core!.close()
        }
        let counters = try XCTUnwrap(core).counters
        XCTAssertGreaterThan(counters.rotationFailures, 0)
        XCTAssertEqual(counters.rotations, 0)
        XCTAssertEqual(try records([path]).count, 500, "every record in the file it had")
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
        XCTAssertTrue(stderr.hasPrefix("sluice: cannot rotate '\(path)' to '\(path).1': Is a directory;"), stderr)
    }

    /// The regular files of directory whose names start with app.log, oldest first (app.log.N
    /// before app.log.1, app.log last).
    func rotatedFiles(_ directory: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { name in
            var isDirectory: ObjCBool = false
            return name.hasPrefix("app.log") && FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
        return names.sorted { (Int($0.split(separator: ".").last!) ?? 0) > (Int($1.split(separator: ".").last!) ?? 0) }
            .map { directory + "/" + $0 }
    }

    /// A directory in the middle of the chain (app.log.2 with three kept) must never be moved
    /// along, nor a rotated file renamed onto it or over another: nothing lost, counted, one line.
    func testADirectoryInTheChainLosesNothingAndIsCountedAndReportedOnce() throws {
        let directory = try folder(), path = directory + "/app.log"
        try FileManager.default.createDirectory(atPath: path + ".2", withIntermediateDirectories: false)
        var core: SluiceCore?
        let stderr = try capturingStandardError {
            core = try SluiceCore(.init(level: .info, destination: .file(path), fileMaxBytes: 4096, fileKeep: 3))
            logInBatches(core!.logger("app"), core!, from: 0, count: 400)
            core!.close()
        }
        let counters = try XCTUnwrap(core).counters
        let kept = try records(try rotatedFiles(directory))
        XCTAssertEqual(kept, (0..<400).map { "record \($0) \(String(repeating: "x", count: 40))" }, "every record, once, in order")
        XCTAssertGreaterThan(counters.rotationFailures, 0)
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
        XCTAssertTrue(stderr.hasPrefix("sluice: cannot rotate '\(path).1' to '\(path).2': Is a directory;"), stderr)
    }

    /// The core's own notices escape what they quote (here a path holding a newline).
    func testARotationNoticeEscapesThePathItQuotes() throws {
        let directory = try folder() + "/logs\nCRITICAL auth: forged"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/app.log"
        try FileManager.default.createDirectory(atPath: path + ".1", withIntermediateDirectories: false)
        let stderr = try capturingStandardError {
            let core = try SluiceCore(.init(level: .info, destination: .file(path), fileMaxBytes: 1_000, fileKeep: 1))
            logInBatches(core.logger("app"), core, from: 0, count: 100)
            core.close()
        }
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
        XCTAssertTrue(stderr.contains("logs\\nCRITICAL auth: forged/app.log"), stderr)
    }

    /// A burst logged at once is one batch: it is split at a line boundary where it would
    /// cross the limit, so that no file passes it (a line alone longer than it would).
    func testABurstIsSplitAtLineBoundariesSoThatEveryFileStaysWithinTheLimit() throws {
        let directory = try folder(), path = directory + "/app.log"
        let core = try SluiceCore(.init(level: .info, destination: .file(path), fileMaxBytes: 20_000, fileKeep: 3))
        let log = core.logger("app")
        for i in 0..<2_000 { log.info("record \(i) \(String(repeating: "x", count: 40))") }
        core.close()
        let files = try rotatedFiles(directory)
        XCTAssertEqual(files.count, 4, "app.log and the three kept: \(files)")
        for file in files {
            let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
            XCTAssertLessThanOrEqual(size, 20_000, file)
        }
        let kept = try records(files)
        XCTAssertEqual(kept.last, "record 1999 \(String(repeating: "x", count: 40))")
        XCTAssertEqual(kept, (2_000 - kept.count..<2_000).map { "record \($0) \(String(repeating: "x", count: 40))" }, "the newest, in order")
        XCTAssertGreaterThanOrEqual(core.counters.rotations, 8)
    }

    func testReopenAfterARenameSendsTheNextRecordsToTheNewFile() throws {
        let directory = try folder(), path = directory + "/app.log"
        let core = try SluiceCore(.init(level: .info, destination: .file(path)))
        let log = core.logger("app")
        logInBatches(log, core, from: 0, count: 100)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".old")  // what logrotate's create mode does
        logInBatches(log, core, from: 100, count: 100)  // still the renamed file: nobody asked to reopen
        core.reopen()
        logInBatches(log, core, from: 200, count: 100)
        core.close()
        let all = try records([path + ".old", path])
        XCTAssertEqual(all.count, 300)
        XCTAssertEqual(try records([path]).first, "record 200 \(String(repeating: "x", count: 40))")
        XCTAssertEqual(core.counters.reopens, 1)
    }

    /// logrotate itself, in create mode (rename, then `sluice reopen` from postrotate) and in
    /// copytruncate mode (copy, then truncate the file Sluice keeps appending to).
    func testLogrotateInCreateAndCopytruncateModesLosesAndDuplicatesNothing() throws {
        let logrotate = "/usr/sbin/logrotate"
        guard FileManager.default.isExecutableFile(atPath: logrotate) else {
            throw XCTSkip("logrotate is not installed; make test installs it (apt-get install logrotate)")
        }
        let sluice = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sluice").path
        for mode in ["create", "copytruncate"] {
            let directory = try folder(), path = directory + "/app.log"
            let core = try SluiceCore(.init(level: .info, destination: .file(path)))
            let log = core.logger("app")
            let config = directory + "/logrotate.conf"
            let action = mode == "create"
                ? "create 0640\n    postrotate\n        \(sluice) reopen \(getpid()) > /dev/null\n    endscript"
                : "copytruncate"
            try "\(path) {\n    rotate 5\n    nocompress\n    missingok\n    \(action)\n}\n"
                .write(toFile: config, atomically: true, encoding: .utf8)
            var logged = 0
            for _ in 0..<3 {
                logInBatches(log, core, from: logged, count: 200)
                logged += 200
                let result = try runExecutable("logrotate", at: logrotate, ["-f", "-s", directory + "/state", config])
                XCTAssertEqual(result.status, 0, "\(mode): \(result.err)")
            }
            logInBatches(log, core, from: logged, count: 200)
            logged += 200
            core.close()
            let files = (1...3).reversed().map { "\(path).\($0)" } + [path]
            let expected = (0..<logged).map { "record \($0) \(String(repeating: "x", count: 40))" }
            XCTAssertEqual(try records(files), expected, "\(mode): every record once, in order")
            XCTAssertEqual(core.counters.reopens, mode == "create" ? 3 : 0, mode)
        }
    }
}

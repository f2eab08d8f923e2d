import CSluice
import CSluiceFacade
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// The statistics file: never someone else's removed, never a fault when /dev/shm is full.
final class StatsFileTests: XCTestCase {
    func path(of core: Core) -> String? {
        sluice_stats_path(sluice_core_stats(core.pointer)).map { String(cString: $0) }
    }

    /// The name the next core of this process will want, and the mapping bytes of a live one.
    func nextName() throws -> (name: String, mapping: Data) {
        let core = try openCore(path: "/dev/null")
        defer { sluice_free(core.pointer) }
        let own = try XCTUnwrap(path(of: core))
        let next = String(cString: sluice_stats_directory()) + "/sluice-\(getpid())-\(sluice_core_id(core.pointer) + 1)"
        return (next, try Data(contentsOf: URL(fileURLWithPath: own)))
    }

    func plant(_ data: Data, at path: String, pid: UInt32? = nil) {
        var data = data
        if let pid { data.withUnsafeMutableBytes { $0.storeBytes(of: pid.littleEndian, toByteOffset: 12, as: UInt32.self) } }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    }

    func testAFileAtTheCoreNameThatIsNotAStaleOneOfOursIsNeverRemoved() throws {
        for (label, pid) in [("not a mapping", nil), ("a live process's", UInt32(1)), ("this process's", UInt32(getpid()))] {
            let (name, mapping) = try nextName()
            let planted = label == "not a mapping" ? Data("someone else's file".utf8) : mapping
            plant(planted, at: name, pid: pid)
            let core = try openCore(path: "/dev/null")
            let taken = try XCTUnwrap(path(of: core), label)
            sluice_free(core.pointer)
            XCTAssertTrue(taken.hasPrefix(name + "-") && taken.count == name.count + 9, "\(label): another name, \(taken)")
            var expected = planted
            if let pid { expected.withUnsafeMutableBytes { $0.storeBytes(of: pid.littleEndian, toByteOffset: 12, as: UInt32.self) } }
            XCTAssertEqual(FileManager.default.contents(atPath: name), expected, "\(label): untouched")
            XCTAssertFalse(FileManager.default.fileExists(atPath: taken), "\(label): the core removed its own at close")
        }
    }

    func testAStaleFileOfOursIsReplacedItsPidDeadOrReusedSince() throws {
        let dead = unusedPid()
        var (name, mapping) = try nextName()
        plant(mapping, at: name, pid: UInt32(dead))
        var core = try openCore(path: "/dev/null")
        XCTAssertEqual(path(of: core), name, "a dead pid's file: its name is reused")
        sluice_free(core.pointer)

        // This process's pid, in a file made long before it started: a dead process had the pid.
        // The portable path cannot tell when a process started (docs/PLATFORMS.md): such a file
        // stays, and the core takes another name.
        (name, mapping) = try nextName()
        mapping.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(1_000_000_000).littleEndian, toByteOffset: 40, as: UInt64.self) }
        plant(mapping, at: name, pid: UInt32(getpid()))
        core = try openCore(path: "/dev/null")
        if sluice_test_platform_is_portable() == 0 {
            XCTAssertEqual(path(of: core), name, "a reused pid's file: its name is reused")
        } else {
            XCTAssertTrue(path(of: core)?.hasPrefix(name + "-") ?? false, "the file stays; the core takes another name")
            unlink(name)
        }
        sluice_free(core.pointer)
    }

    func testAFullStatsDirectoryFallsBackToPrivateMemoryWithOneLine() throws {
        guard getuid() == 0 else {
            throw XCTSkip("mounting a 1 MiB tmpfs needs root; run the suite as root to check a full /dev/shm")
        }
        let directory = temporaryLogPath(self, "tmpfs") + ".d"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        XCTAssertEqual(mount("tmpfs", directory, "tmpfs", 0, "size=1m"), 0, "mount: \(String(cString: strerror(errno)))")
        defer { umount(directory) }
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/filler", contents: Data(count: 800 * 1024)))
        let path = temporaryLogPath(self)
        let result = try runChild(["exit-drain", path, "10000"], environment: ["SLUICE_STATS_DIR": directory])
        XCTAssertEqual(result.reason, .exit, "no SIGBUS")
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(readLines(path).count, 10000, "logging went on")
        XCTAssertTrue(result.err.hasPrefix("sluice: cannot create the statistics file \(directory)/sluice-"), result.err)
        XCTAssertTrue(result.err.hasSuffix(": No space left on device; logging goes on, but `sluice stat` cannot see this core\n"),
                      result.err)
        XCTAssertEqual(result.err.split(separator: "\n").count, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["filler"], "no file left behind")
    }
}

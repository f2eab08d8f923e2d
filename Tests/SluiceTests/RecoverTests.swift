import Foundation
import Sluice
import SluiceTestSupport
import XCTest

/// `kill -9` loses nothing that was logged: `sluice recover` writes what a recoverable
/// core's ring still held, once.
final class RecoverTests: XCTestCase {
    /// A statistics directory of this test's own, removed when it ends.
    func statsDirectory(_ name: String = #function) throws -> String {
        try temporaryDirectory(self, name)
    }

    func testRecordsWaitingInTheRingOfAKilledProcessAreRecoveredOnceInOrder() throws {
        let directory = try statsDirectory()
        let environment = ["SLUICE_STATS_DIR": directory]
        let child = try ServingChild(
            self, environment: environment.merging(["LOG_RECOVERABLE": "true", "LOG_QUEUE_BYTES": "16777216"]) { $1 })
        let pid = child.process.processIdentifier
        defer { if child.process.isRunning { kill(pid, SIGKILL) } }  // a failed step leaves no child behind
        let started = Date()
        XCTAssertEqual(try child.send("pause"), [])
        XCTAssertEqual(try child.send("kept 100000"), [])

        let live = try sluice(["recover", "\(pid)"], environment: environment)
        XCTAssertEqual(live.status, 2, "a live process's ring is its writer's")
        XCTAssertTrue(live.err.contains("process \(pid) is running"), live.err)
        XCTAssertEqual(live.out, "")

        kill(pid, SIGKILL)
        child.process.waitUntilExit()
        XCTAssertEqual(child.process.terminationReason, .uncaughtSignal)
        let killed = Date()
        XCTAssertFalse(try String(contentsOfFile: child.logPath, encoding: .utf8).contains("kept"),
                       "the writer was paused: every record was still in the ring")

        let listed = try sluice(["list", "--remove-stale"], environment: environment)
        XCTAssertTrue(listed.out.contains("killed: its ring still holds records; sluice recover \(pid)"), listed.out)
        XCTAssertEqual(SluiceRecovery.ringFiles(pid: pid, in: directory).count, 1, "never removed before its recovery")

        let output = temporaryLogPath(self, "recovered")
        let first = try sluice(["recover", "\(pid)", "--output", output], environment: environment)
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertTrue(first.err.contains("recovered 100000 records"), first.err)
        XCTAssertEqual(try messages(output), (0..<100_000).map { "kept \($0)" }, "each record once, in order")
        XCTAssertEqual(Set(try lines(output).map { String($0.prefix { $0 != ":" }) }), ["INFO app"],
                       "module names from the statistics file")
        // Every line's timestamp lies between the child's start and its kill. UTC timestamps of
        // one form compare as text, so 100,000 lines need no date parsing (slow under a sanitizer).
        let stamp = ISO8601DateFormatter()
        stamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let earliest = stamp.string(from: started.addingTimeInterval(-1)).dropLast() + "000Z"  // to the microsecond
        let latest = stamp.string(from: killed.addingTimeInterval(1)).dropLast() + "999Z"
        for line in try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n") {
            let time = String(line.prefix(27))  // 2026-11-29T04:08:43.123456Z
            let form = time.enumerated().allSatisfy { index, character in
                switch index {
                case 4, 7: character == "-"
                case 10: character == "T"
                case 13, 16: character == ":"
                case 19: character == "."
                case 26: character == "Z"
                default: character.isASCII && character.isNumber
                }
            }
            XCTAssertTrue(form && time.count == 27 && time >= earliest && time <= latest, "the original timestamp: \(line)")
        }

        let second = try sluice(["recover", "\(pid)", "--output", output], environment: environment)
        XCTAssertEqual(second.status, 0, second.err)
        XCTAssertTrue(second.err.contains("nothing to recover"), second.err)
        XCTAssertEqual(try lines(output).count, 100_000, "a second recovery writes nothing twice")

        let cleaned = try sluice(["list", "--remove-stale"], environment: environment)
        XCTAssertTrue(cleaned.out.contains("removed \(directory)/sluice-\(pid)-"), cleaned.out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains("-\(pid)-") }, [],
                       "recovered: the statistics file and the ring file are removed")
    }

    func testARecoveryInJSONToStandardOutput() throws {
        let directory = try statsDirectory()
        let environment = ["SLUICE_STATS_DIR": directory]
        let child = try ServingChild(self, environment: environment.merging(["LOG_RECOVERABLE": "true"]) { $1 })
        let pid = child.process.processIdentifier
        defer { if child.process.isRunning { kill(pid, SIGKILL) } }
        XCTAssertEqual(try child.send("pause"), [])
        XCTAssertEqual(try child.send("kept 3"), [])
        kill(pid, SIGKILL)
        child.process.waitUntilExit()

        let ring = try XCTUnwrap(SluiceRecovery.ringFiles(pid: pid, in: directory).first)
        let result = try sluice(["recover", ring, "--format", "json"], environment: environment)
        XCTAssertEqual(result.status, 0, result.err)
        let objects = try result.out.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        XCTAssertEqual(objects.map { $0["msg"] as? String }, ["kept 0", "kept 1", "kept 2"])
        XCTAssertEqual(objects.map { $0["module"] as? String }, ["app", "app", "app"])
    }

    func testAProcessThatExitsLeavesNoRingFile() throws {
        let directory = try statsDirectory()
        let child = try ServingChild(self, environment: ["SLUICE_STATS_DIR": directory, "LOG_RECOVERABLE": "true"])
        let pid = child.process.processIdentifier
        XCTAssertEqual(SluiceRecovery.ringFiles(pid: pid, in: directory).count, 1, "a recoverable core has its ring in a file")
        child.finish()
        XCTAssertEqual(SluiceRecovery.ringFiles(pid: pid, in: directory), [])
        let none = try sluice(["recover", "\(pid)"], environment: ["SLUICE_STATS_DIR": directory])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.err.contains("left no ring file"), none.err)
    }

    /// A child killed with `count` records still in its recoverable ring; its pid.
    func killedWithRecords(_ count: Int, in directory: String) throws -> Int32 {
        let child = try ServingChild(self, environment: ["SLUICE_STATS_DIR": directory, "LOG_RECOVERABLE": "true"])
        let pid = child.process.processIdentifier
        defer { if child.process.isRunning { kill(pid, SIGKILL) } }
        XCTAssertEqual(try child.send("pause"), [])
        XCTAssertEqual(try child.send("kept \(count)"), [])
        kill(pid, SIGKILL)
        child.process.waitUntilExit()
        return pid
    }

    /// Recovery trusts no ring file its process did not make: another process's ring planted
    /// under the victim's pid, a file of the wrong mode or owner, a corrupt file each cost one
    /// line on stderr, the victim's own records are still recovered, and --output never
    /// follows a link.
    func testRecoverSkipsPlantedAndBadRingFilesAndRecoversTheGoodOnes() throws {
        let directory = try statsDirectory()
        let environment = ["SLUICE_STATS_DIR": directory]
        let victim = try killedWithRecords(5, in: directory)
        let other = try killedWithRecords(100, in: directory)
        let victimRing = try XCTUnwrap(SluiceRecovery.ringFiles(pid: victim, in: directory).first)
        let planted = directory + "/sluice-\(victim)-7.ring"
        try FileManager.default.moveItem(atPath: try XCTUnwrap(SluiceRecovery.ringFiles(pid: other, in: directory).first), toPath: planted)
        XCTAssertEqual(chmod(planted, 0o666), 0)
        let corrupt = directory + "/sluice-\(victim)-0.ring"  // sorted before the real one
        XCTAssertTrue(FileManager.default.createFile(atPath: corrupt, contents: Data("not a ring".utf8), attributes: [.posixPermissions: 0o600]))

        let output = temporaryLogPath(self, "recovered")
        if getuid() == 0 {  // a ring its user does not own, beside a statistics file root owns
            XCTAssertEqual(chown(victimRing, 65534, 65534), 0)
            let foreign = try sluice(["recover", victimRing, "--output", output], environment: environment)
            XCTAssertEqual(foreign.status, 2, foreign.err)
            XCTAssertTrue(foreign.err.contains("owned by uid 65534, not by this user (uid 0) nor by the owner of the statistics file beside it"), foreign.err)
            XCTAssertEqual(chown(victimRing, 0, 0), 0)
        }
        let first = try sluice(["recover", "\(victim)", "--output", output], environment: environment)
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertEqual(try messages(output), (0..<5).map { "kept \($0)" }, "the victim's records, and none planted")
        let said = first.err.split(separator: "\n")
        XCTAssertEqual(said.count, 3, first.err)
        XCTAssertTrue(said.contains { $0.hasPrefix("sluice: cannot recover \(corrupt): too short") && $0.hasSuffix("; skipped") }, first.err)
        XCTAssertTrue(said.contains { $0.contains("\(planted): mode 0666, not 0600") }, first.err)

        XCTAssertEqual(chmod(planted, 0o600), 0)
        let second = try sluice(["recover", "\(victim)", "--output", output], environment: environment)
        XCTAssertEqual(second.status, 0, "the victim's file is usable (nothing left in it): \(second.err)")
        XCTAssertTrue(second.err.contains("\(planted): its header names process \(other) core 1, but its name process \(victim) core 7"),
                      second.err)
        XCTAssertEqual(try messages(output).count, 5, "nothing planted, nothing twice")

        try FileManager.default.removeItem(atPath: victimRing)
        let nothingGood = try sluice(["recover", "\(victim)", "--output", output], environment: environment)
        XCTAssertEqual(nothingGood.status, 2, "no usable file left: \(nothingGood.err)")
        XCTAssertEqual(nothingGood.err.split(separator: "\n").count, 2, nothingGood.err)

        let link = directory + "/link.log"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: output)
        let linked = try sluice(["recover", "\(victim)", "--output", link], environment: environment)
        XCTAssertEqual(linked.status, 2)
        XCTAssertEqual(linked.err, "sluice: cannot open \(link) for the records: it is a symbolic link, which Sluice does not follow "
            + "(name the file itself); nothing was recovered\n")
    }
}

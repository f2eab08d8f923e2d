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
        let stamp = ISO8601DateFormatter()
        stamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for line in try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n") {
            let time = try XCTUnwrap(stamp.date(from: String(line.prefix(27))), String(line))
            XCTAssertTrue(time >= started.addingTimeInterval(-1) && time <= killed.addingTimeInterval(1),
                          "the original timestamp: \(line)")
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
}

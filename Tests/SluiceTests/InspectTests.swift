import Foundation
import Logging
import Sluice
@testable import SluiceCLI
import SluiceTestSupport
import XCTest

/// A SluiceFacadeChild in serve mode, driven line by line.
final class ServingChild {
    let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffered = Data()
    let logPath: String

    init(_ test: XCTestCase, environment: [String: String] = [:]) throws {
        logPath = temporaryLogPath(test, "served")
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("SluiceFacadeChild")
        process.arguments = ["serve"]
        process.environment = ["LOG_FILE": logPath, "LOG_LEVEL": "info", "LOG_SAMPLE_RATE_NOISY": "0.1"]
            .merging(environment) { $1 }
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        XCTAssertEqual(try readLines(until: "ready"), [])
    }

    /// Lines the child prints before `end`.
    func readLines(until end: String) throws -> [String] {
        var lines: [String] = []
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered = Data(buffered[(newline + 1)...])
                if line == end { return lines }
                lines.append(line)
                continue
            }
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { throw OpenFailureInChild(lines: lines) }
            buffered += more
        }
    }

    func send(_ command: String) throws -> [String] {
        input.fileHandleForWriting.write(Data((command + "\n").utf8))
        return try readLines(until: "ok")
    }

    func finish() {
        input.fileHandleForWriting.write(Data("exit\n".utf8))
        process.waitUntilExit()
    }

    struct OpenFailureInChild: Error { let lines: [String] }
}

/// `sluice <arguments>`: its exit status, stdout and stderr.
func sluice(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    try runExecutable("sluice", arguments, environment: environment)
}

/// The size of a live process's mapping file: the layout's.
func mappingSize(of pid: Int32, in directory: String) throws -> Int {
    let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("sluice-\(pid)-") })
    return try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")[.size] as? Int)
}

final class InspectTests: XCTestCase {
    func testStatJSONAgreesWithTheProcessOwnStats() throws {
        let child = try ServingChild(self)
        defer { child.finish() }
        let own = try child.send("stats")
        let result = try sluice(["stat", "--json", "\(child.process.processIdentifier)"])
        XCTAssertEqual(result.status, 0, result.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let total = own[0].split(separator: " ").dropFirst().map { UInt64($0)! }
        XCTAssertEqual(total, [100 + 20, 100 + 20, 0, 180, 50], "the child's own view: 100 work, 20 of 200 noisy")
        for (key, value) in zip(["accepted", "written", "dropped", "sampled_out", "filtered"], total) {
            XCTAssertEqual((json[key] as? NSNumber)?.uint64Value, value, key)
        }
        XCTAssertEqual((json["pid"] as? NSNumber)?.int32Value, child.process.processIdentifier)
        let modules = try XCTUnwrap(json["modules"] as? [String: [String: Any]])
        for line in own.dropFirst() {
            let words = line.split(separator: " ")
            let module = try XCTUnwrap(modules[String(words[1])], line)
            for (key, value) in zip(["accepted", "written", "dropped", "sampled_out", "filtered"], words.dropFirst(2)) {
                XCTAssertEqual((module[key] as? NSNumber)?.uint64Value, UInt64(value), "\(words[1]).\(key)")
            }
        }
        XCTAssertEqual(modules["noisy"]?["sample_rate"] as? Double, 0.1)
        XCTAssertEqual(modules["app"]?["level"] as? String, "info")
        let histograms = try XCTUnwrap(json["histograms"] as? [String: [String: Any]])
        XCTAssertEqual(Set(histograms.keys), ["call_latency", "end_to_end_latency", "batch_records", "write_duration", "warning_wait"])
        XCTAssertEqual((histograms["end_to_end_latency"]?["count"] as? NSNumber)?.intValue, 120)
        for key in ["count", "p50_ns", "p99_ns", "p999_ns", "max_ns"] {
            XCTAssertNotNil(histograms["write_duration"]?[key], key)
        }
        let sinks = try XCTUnwrap(json["sinks"] as? [[String: Any]])
        XCTAssertEqual(sinks.count, 1)
        XCTAssertEqual((sinks.first?["written"] as? NSNumber)?.uint64Value, 120, "the one sink's own count")
        XCTAssertEqual(sinks.first?["format"] as? String, "text")
        let rings = try XCTUnwrap(json["rings"] as? [[String: Any]])
        XCTAssertEqual(rings.count, min(ProcessInfo.processInfo.activeProcessorCount, 16), "one per CPU")
        XCTAssertEqual(rings.map { ($0["ring"] as? NSNumber)?.intValue }, Array(0..<rings.count))
        XCTAssertEqual(rings.map { ($0["depth_bytes"] as? NSNumber)?.uint64Value ?? 0 }.reduce(0, +),
                       (json["depth_bytes"] as? NSNumber)?.uint64Value, "the core's depth is its rings'")
        XCTAssertEqual(rings.map { ($0["high_water_bytes"] as? NSNumber)?.uint64Value ?? 0 }.max(),
                       (json["high_water_bytes"] as? NSNumber)?.uint64Value, "its high-water mark the deepest ring's")
        let table = try sluice(["stat", "\(child.process.processIdentifier)"])
        XCTAssertEqual(table.status, 0, table.err)
        XCTAssertTrue(table.out.contains("  rings (depth / high water bytes): 0: "), table.out)
        XCTAssertTrue(table.out.contains("accepted 120"), table.out)
        XCTAssertTrue(table.out.contains("noisy"), table.out)
        XCTAssertNotNil(table.out.range(of: #"\n  trace\+ +text +120 +\d+ +0 +0 +/\S+\.log\n"#, options: .regularExpression), table.out)
    }

    /// The counters the mapping holds: the fields of sluice.h's sluice_counters, by their C names.
    static func mappingCounters() throws -> [String] {
        let header = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("CSources/CSluice/include/sluice.h")
        let text = try String(contentsOf: header, encoding: .utf8)
        let body = try XCTUnwrap(text.range(of: "typedef struct sluice_counters {").flatMap { start in
            text.range(of: "} sluice_counters;", range: start.upperBound..<text.endIndex).map { text[start.upperBound..<$0.lowerBound] }
        })
        return body.split(separator: "\n").compactMap { line in
            line.firstMatch(of: /^\s*uint64_t (\w+)/).map { String($0.1) }
        }
    }

    /// `sluice stat` and `--json` show every counter the mapping holds: a counter added to the
    /// mapping and to neither output fails here.
    func testStatShowsEveryCounterTheMappingHolds() throws {
        let counters = try Self.mappingCounters()
        XCTAssertGreaterThan(counters.count, 20, "\(counters)")
        let child = try ServingChild(self)
        defer { child.finish() }
        let pid = child.process.processIdentifier
        let result = try sluice(["stat", "--json", "\(pid)"])
        XCTAssertEqual(result.status, 0, result.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let table = try sluice(["stat", "\(pid)"])
        XCTAssertEqual(table.status, 0, table.err)
        let renamed = ["keys_forgotten": "sampling_keys_forgotten"]  // the Swift name, sampling's keys
        for counter in counters {
            let key = renamed[counter] ?? counter
            XCTAssertNotNil(json[key], "--json lacks \(key)")
            XCTAssertTrue(table.out.contains(" " + key.replacingOccurrences(of: "_", with: " ") + " ")
                          || table.out.contains(" " + key.replacingOccurrences(of: "_", with: " ") + ":"),
                          "the table lacks \(key): \(table.out)")
        }
    }

    /// A module's name is the application's: terminal escapes and a newline in it reach the
    /// operator's table escaped, never raw.
    func testStatEscapesModuleNamesInTheTable() throws {
        let child = try ServingChild(self)
        defer { child.finish() }
        XCTAssertEqual(try child.send("hostile"), [])
        let table = try sluice(["stat", "\(child.process.processIdentifier)"])
        XCTAssertEqual(table.status, 0, table.err)
        XCTAssertFalse(table.out.utf8.contains(0x1b), "no escape byte reaches the terminal")
        XCTAssertFalse(table.out.utf8.contains(0x07))
        XCTAssertTrue(table.out.contains(#"evil\nforged row\x1b]0;title\x07\x1b[2J"#), table.out)
        XCTAssertFalse(table.out.split(separator: "\n").contains { $0.hasPrefix("forged row") }, "no forged row")
    }

    /// An operator can turn a module's debug lines on before the module ever logged (a rare
    /// code path), and withdraw that before it does.
    func testLevelForAModuleThatHasNotLoggedYetAppliesFromItsFirstCall() throws {
        let child = try ServingChild(self)
        defer { child.finish() }
        let pid = child.process.processIdentifier
        let ahead = try sluice(["level", "\(pid)", "rare", "debug"])
        XCTAssertEqual(ahead.status, 0, ahead.err)
        XCTAssertTrue(ahead.out.contains("module rare: has not logged yet; level debug from its first call"), ahead.out)
        let withdrawn = try sluice(["level", "\(pid)", "never", "debug"])
        XCTAssertEqual(withdrawn.status, 0, withdrawn.err)
        let reset = try sluice(["level", "\(pid)", "never", "reset"])
        XCTAssertEqual(reset.status, 0, reset.err)
        XCTAssertTrue(reset.out.contains("the level asked for ahead is withdrawn"), reset.out)
        XCTAssertEqual(try child.send("rare rare"), [])
        XCTAssertEqual(try child.send("rare never"), [])
        let json = try sluice(["stat", "--json", "\(pid)"])
        let modules = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])?["modules"] as? [String: [String: Any]])
        XCTAssertEqual(modules["rare"]?["operator_level"] as? String, "debug")
        XCTAssertNil(modules["never"]?["operator_level"])
        let written = try String(contentsOfFile: child.logPath, encoding: .utf8)
        XCTAssertTrue(written.contains("DEBUG rare: rare path"), "the first call was at the operator's level")
        XCTAssertFalse(written.contains("never: rare path"), "withdrawn: the configured level (info) applies")
    }

    func testLevelTurnsAModulesDebugRecordsOnAndThenOff() throws {
        let child = try ServingChild(self)
        defer { child.finish() }
        let pid = "\(child.process.processIdentifier)"
        _ = try child.send("probe 1")
        let on = try sluice(["level", pid, "app", "debug"])
        XCTAssertEqual(on.status, 0, on.err)
        XCTAssertTrue(on.out.contains("level info -> debug"), on.out)
        _ = try child.send("probe 2")
        XCTAssertEqual(try sluice(["level", pid, "app", "INFO"]).status, 0)
        _ = try child.send("probe 3")
        let probes = try messages(child.logPath).filter { $0.hasPrefix("probe") }
        XCTAssertEqual(probes, ["probe 2"])
    }

    /// One module's object in `sluice stat --json <pid>`.
    private func moduleJSON(_ pid: String, _ module: String) throws -> [String: Any]? {
        let stat = try JSONSerialization.jsonObject(with: Data(try sluice(["stat", "--json", pid]).out.utf8)) as? [String: Any]
        return (stat?["modules"] as? [String: Any])?[module] as? [String: Any]
    }

    func testAnOperatorsLevelWinsOverALevelTheCodeSetUntilReset() throws {
        let child = try ServingChild(self)
        defer { child.finish() }
        let pid = "\(child.process.processIdentifier)"
        _ = try child.send("framework 1")
        let on = try sluice(["level", pid, "framework", "debug"])
        XCTAssertEqual(on.status, 0, on.err)
        _ = try child.send("framework 2")
        XCTAssertEqual(try moduleJSON(pid, "framework")?["operator_level"] as? String, "debug")
        let reset = try sluice(["level", pid, "framework", "reset"])
        XCTAssertEqual(reset.status, 0, reset.err)
        XCTAssertTrue(reset.out.contains("level debug -> info (reset to the configured level)"), reset.out)
        let framework = try moduleJSON(pid, "framework")
        XCTAssertEqual(framework?["level"] as? String, "info")
        XCTAssertNil(framework?["operator_level"], "reset: no operator's level")
        _ = try child.send("framework 3")
        let seen = try messages(child.logPath).filter { $0.hasPrefix("framework") }
        XCTAssertEqual(seen, ["framework 2"], "the code's error level, then the operator's debug, then the code's again")
    }

    func testSampleChangesAModulesRateInTheProcess() throws {
        let child = try ServingChild(self)
        defer { child.finish() }
        let pid = "\(child.process.processIdentifier)"
        let result = try sluice(["sample", pid, "noisy", "1"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.out.contains("sample rate 0.1 -> 1.0"), result.out)
        _ = try child.send("sampled 10")
        XCTAssertEqual(try messages(child.logPath).filter { $0.hasPrefix("sampled") }.count, 10)
    }

    func testListShowsTheRunningProcess() throws {
        let child = try ServingChild(self)
        defer { child.finish() }
        let result = try sluice(["list"])
        XCTAssertEqual(result.status, 0, result.err)
        let line = result.out.split(separator: "\n").first { $0.hasPrefix("\(child.process.processIdentifier) ") }
        XCTAssertNotNil(line, result.out)
        XCTAssertTrue(line?.contains("SluiceFacadeChild") == true, "the process's name: \(line ?? "")")
        XCTAssertTrue(line?.hasSuffix("running") == true, "\(line ?? "")")
    }

    func testEveryErrorIsOneLineAndExitStatusTwo() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-stats-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["SLUICE_STATS_DIR": directory]
        let dead = unusedPid()

        func check(_ arguments: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let result = try sluice(arguments, environment: environment)
            XCTAssertEqual(result.status, 2, result.out, file: file, line: line)
            XCTAssertEqual(result.err, expected + "\n", file: file, line: line)
            XCTAssertEqual(result.out, "", file: file, line: line)
        }
        try check(["stat", "\(dead)"], "sluice: no process \(dead)")
        _ = FileManager.default.createFile(atPath: "\(directory)/sluice-\(dead)-1", contents: Data(count: 64))
        try check(["stat", "\(dead)"],
                  "sluice: process \(dead) is not running; \(directory)/sluice-\(dead)-1 is a stale mapping it left (remove to clean up)")
        try check(["stat", "1"],
                  "sluice: process 1 has no Sluice mapping in \(directory) (is it using Sluice, with the same SLUICE_STATS_DIR?)")
        let child = try ServingChild(self, environment: environment)
        defer { child.finish() }
        // A file of the right size claiming this process, in a layout from the future, then not a mapping.
        let size = try mappingSize(of: child.process.processIdentifier, in: directory)
        var header = Data(count: size)
        header.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt64(0x3130_4543_494C_5553).littleEndian, as: UInt64.self)  // "SLUICE01"
            raw.storeBytes(of: UInt32(99).littleEndian, toByteOffset: 8, as: UInt32.self)
        }
        let future = "\(directory)/sluice-\(getpid())-77"
        let refused = "sluice: process \(getpid()) has no usable Sluice mapping: every file was refused"
        _ = FileManager.default.createFile(atPath: future, contents: header, attributes: [.posixPermissions: 0o600])
        try check(["stat", "\(getpid())"], "sluice: skipping \(future): layout version 99, and this sluice reads version 6\n" + refused)
        try FileManager.default.removeItem(atPath: future)
        _ = FileManager.default.createFile(atPath: future, contents: Data(count: size), attributes: [.posixPermissions: 0o600])
        try check(["stat", "\(getpid())"], "sluice: skipping \(future): not a Sluice statistics mapping\n" + refused)
        try FileManager.default.removeItem(atPath: future)

        let pid = "\(child.process.processIdentifier)"
        try check(["level", pid, "app", "loud"],
                  "sluice: 'loud' is not a level (trace, debug, info, notice, warning, error, critical) or reset; nothing was changed")
        try check(["sample", pid, "noisy", "2"], "sluice: '2' is not a sample rate from 0 to 1; nothing was changed")
        try check(["sample", pid, "noisy", "NaN"], "sluice: 'NaN' is not a sample rate from 0 to 1; nothing was changed")
        try check(["level", pid, "nowhere", "reset"],  // neither a module nor a level asked for ahead
                  "sluice: process \(pid) has no module 'nowhere' (its modules: app, framework, noisy, sluice); nothing was changed")
        try check(["sample", pid, "nowhere", "0.5"],
                  "sluice: process \(pid) has no module 'nowhere' (its modules: app, framework, noisy, sluice); nothing was changed")
        if getuid() != 0 {
            let mapping = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("sluice-\(pid)-") })
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: "\(directory)/\(mapping)")
            let denied = try sluice(["stat", pid], environment: environment)
            XCTAssertEqual(denied.status, 2)
            XCTAssertTrue(denied.err.contains("Permission denied (a mapping is readable by the process's user only"), denied.err)
        }
    }

    /// A serving child whose statistics go to a directory of this test's: the directory, the
    /// environment naming it, the child, and its mapping's name and bytes.
    func childWithItsMapping(_ label: String) throws
        -> (directory: String, environment: [String: String], child: ServingChild, name: String, mapping: Data)
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-\(label)-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["SLUICE_STATS_DIR": directory]
        let child = try ServingChild(self, environment: environment)
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory).first)
        return (directory, environment, child, name, try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
    }

    func testPlantedFilesAreSkippedWithALineEachAndTheGoodMappingIsStillShown() throws {
        let (directory, environment, child, goodName, good) = try childWithItsMapping("planted")
        defer { child.finish() }
        let pid = child.process.processIdentifier

        func patched<Word: FixedWidthInteger>(_ offset: Int, _ value: Word) -> Data {
            var copy = good
            copy.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: Word.self) }
            return copy
        }
        let moduleCountOffset = 128, pidOffset = 12, openedOffset = 40
        var random = SystemRandomNumberGenerator()
        var planted: [(name: String, data: Data?, mode: Int)] = [
            ("huge-count", patched(moduleCountOffset, UInt32(5_000_000)), 0o600),
            ("negative-count", patched(moduleCountOffset, UInt32.max), 0o600),
            ("wrong-pid", patched(pidOffset, UInt32(getpid())), 0o600),
            ("older-than-its-process", patched(openedOffset, UInt64(1_000_000_000)), 0o600),
            ("truncated", good.prefix(good.count / 2), 0o600),
            ("random-after-header", good.prefix(128) + Data((128..<good.count).map { _ in UInt8.random(in: 0...255, using: &random) }), 0o600),
            ("group-readable", good, 0o644),
            ("fifo", nil, 0o600),
            ("symlink", nil, 0o600),
        ]
        if getuid() == 0 { planted.append(("wrong-owner", good, 0o600)) }
        for (index, file) in planted.enumerated() {
            let path = "\(directory)/sluice-\(pid)-\(100 + index)"
            switch file.name {
            case "fifo": XCTAssertEqual(mkfifo(path, 0o600), 0)
            case "symlink": XCTAssertEqual(symlink("\(directory)/\(goodName)", path), 0)
            default:
                XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: file.data, attributes: [.posixPermissions: file.mode]))
                if file.name == "wrong-owner" { XCTAssertEqual(chown(path, 65534, 65534), 0) }
            }
        }

        let stat = try sluice(["stat", "\(pid)"], environment: environment)
        XCTAssertEqual(stat.status, 0, stat.err)
        XCTAssertTrue(stat.out.hasPrefix("process \(pid) (SluiceFacadeChild), 1 core"), stat.out)
        let skipped = stat.err.split(separator: "\n")
        XCTAssertEqual(skipped.count, planted.count, stat.err)
        for (index, line) in skipped.enumerated() {
            XCTAssertTrue(line.hasPrefix("sluice: skipping \(directory)/sluice-\(pid)-\(100 + index)"), "\(planted[index].name): \(line)")
        }
        let json = try sluice(["stat", "--json", "\(pid)"], environment: environment)
        XCTAssertEqual(json.status, 0, json.err)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])

        let level = try sluice(["level", "\(pid)", "app", "debug"], environment: environment)
        XCTAssertEqual(level.status, 0, level.err)
        XCTAssertEqual(level.out.split(separator: "\n").count, 1, "only the real mapping takes the change: \(level.out)")

        let list = try sluice(["list"], environment: environment)
        XCTAssertEqual(list.status, 0, list.err)
        XCTAssertEqual(list.out.split(separator: "\n").filter { $0.hasPrefix("\(pid) ") && $0.hasSuffix("running") }.count, 1,
                       list.out)
        XCTAssertEqual(list.out.split(separator: "\n").filter { $0.contains("stale:") }.count, 1,
                       "the file older than its process is listed as stale: \(list.out)")
        XCTAssertEqual(list.err.split(separator: "\n").count, planted.count - 1, "the others skipped: \(list.err)")
    }
}

extension InspectTests {
    func testListShowsStaleMappingsAndRemovesTheCallersOwnOnRequest() throws {
        let (directory, environment, child, goodName, good) = try childWithItsMapping("stale")
        var mapping = good
        defer { child.finish() }
        let pid = child.process.processIdentifier
        let dead = unusedPid()
        mapping.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(dead).littleEndian, toByteOffset: 12, as: UInt32.self) }
        let gone = "\(directory)/sluice-\(dead)-1"
        XCTAssertTrue(FileManager.default.createFile(atPath: gone, contents: mapping, attributes: [.posixPermissions: 0o600]))
        // A killed process's file, named after a pid a live process has taken since.
        mapping.withUnsafeMutableBytes {
            $0.storeBytes(of: UInt32(pid).littleEndian, toByteOffset: 12, as: UInt32.self)
            $0.storeBytes(of: UInt64(1_000_000_000).littleEndian, toByteOffset: 40, as: UInt64.self)
        }
        let reused = "\(directory)/sluice-\(pid)-9"
        XCTAssertTrue(FileManager.default.createFile(atPath: reused, contents: mapping, attributes: [.posixPermissions: 0o600]))

        let list = try sluice(["list"], environment: environment)
        XCTAssertEqual(list.status, 0, list.err)
        for path in [gone, reused] {
            XCTAssertTrue(list.out.contains("stale: its process is gone (or its pid was taken since); remove \(path) "
                + "(sluice list --remove-stale)"), list.out)
        }
        let level = try sluice(["level", "\(pid)", "app", "debug"], environment: environment)
        XCTAssertEqual(level.out.split(separator: "\n").count, 1, "the stale file takes no change: \(level.out)")

        let removal = try sluice(["list", "--remove-stale"], environment: environment)
        XCTAssertEqual(removal.status, 0, removal.err)
        XCTAssertTrue(removal.out.contains("removed \(gone)") && removal.out.contains("removed \(reused)"), removal.out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [goodName], "the live mapping stays")
    }
}

/// `sluice stat` adds every counter of a process's cores.
final class ProcessTotalTests: XCTestCase {
    func testTheProcessTotalAddsEveryCounterOfEveryCore() throws {
        let (first, _) = try openCore(self, .init(level: .trace, queueBytes: 4096), name: "first")
        let (second, _) = try openCore(self, .init(level: .trace, queueBytes: 8192), name: "second")
        first.logger("a").info("one")
        first.logger("a").info("\(String(repeating: "x", count: 5000))")  // truncated
        second.logger("b").info("two")
        first.flush()
        second.flush()
        let snapshot = ProcessSnapshot(pid: getpid(), mappings: try SluiceStatsMapping.open(pid: getpid()))
        XCTAssertGreaterThanOrEqual(snapshot.cores.count, 2)
        let total = Mirror(reflecting: snapshot.total).children
        let perCore = snapshot.cores.map { Mirror(reflecting: $0.stats.counters).children.map(\.value) }
        XCTAssertEqual(total.count, 23, "every counter of sluice_counters")
        for (index, field) in total.enumerated() {
            if let byLevel = field.value as? [Logger.Level: UInt64] {
                let cores = perCore.map { $0[index] as! [Logger.Level: UInt64] }
                for level in Logger.Level.allCases {
                    XCTAssertEqual(byLevel[level], cores.map { $0[level]! }.reduce(0, +), "\(field.label ?? "?") \(level)")
                }
                continue
            }
            let values = perCore.map { $0[index] as! UInt64 }
            let expected = field.label == "highWaterBytes" ? values.max()! : values.reduce(0, +)
            XCTAssertEqual(field.value as? UInt64, expected, field.label ?? "?")
        }
        first.close()
        second.close()
    }
}

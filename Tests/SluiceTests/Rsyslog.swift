import Foundation
import SluiceTestSupport
import XCTest

/// A private rsyslogd started from a configuration in Tests/SluiceTests/rsyslog, in a
/// directory of its own, on free loopback ports; stopped by `stop()` or when released.
final class Rsyslog {
    let directory: String
    let udpPort: Int
    let tcpPort: Int
    private let config: String
    private let listensOnTCP: Bool
    private var process: Process?

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// rsyslogd with configuration `name`, its `@DIR@`, `@UDP@`, `@TCP@` and `extra` placeholders filled in.
    init(_ test: XCTestCase, configuration name: String, filling extra: [String: String] = [:]) throws {
        directory = temporaryLogPath(test, "rsyslog")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        udpPort = try Loopback.freePort(type: SOCK_DGRAM)
        tcpPort = try Loopback.freePort(type: SOCK_STREAM)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("rsyslog/\(name)")
        var text = try String(contentsOf: source, encoding: .utf8)
        for (placeholder, value) in ["@DIR@": directory, "@UDP@": "\(udpPort)", "@TCP@": "\(tcpPort)"].merging(extra, uniquingKeysWith: { $1 }) {
            text = text.replacingOccurrences(of: placeholder, with: value)
        }
        config = directory + "/rsyslog.conf"
        listensOnTCP = text.contains("imtcp")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        stop()
    }

    /// Starts rsyslogd in the foreground; with TCP input, waits until it accepts connections.
    /// Without, there is nothing to wait for: what it reads (a file it tails from its start)
    /// the test polls for in its output (waitForLines).
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rsyslogd")
        process.arguments = ["-n", "-f", config, "-i", directory + "/rsyslogd.pid"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        self.process = process
        guard listensOnTCP else { return }
        let deadline = Date().addingTimeInterval(15)
        while !Loopback.accepts(tcpPort) {
            guard process.isRunning, Date() < deadline else {
                throw StartFailure(description: "rsyslogd -f \(config) did not accept connections within 15 s")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Stops rsyslogd (SIGTERM: it writes what it has received, then exits) and waits for it.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// The lines of one of its output files.
    func lines(_ file: String) -> [String] {
        ((try? String(contentsOfFile: directory + "/" + file, encoding: .utf8)) ?? "")
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Waits until `file` has at least `count` lines (at most `timeout`), and returns them.
    func waitForLines(_ file: String, count: Int, timeout: TimeInterval = 15) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var found = lines(file)
        while found.count < count && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            found = lines(file)
        }
        return found
    }
}

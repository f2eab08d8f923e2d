import Foundation

/// `make demo`: the same requests under each configuration, each run in a process of its
/// own configured only by its environment, then one table, then `sluice stat` of the last run.
struct Driver {
    struct Configuration {
        let name: String
        let environment: [String: String]
        /// The level the run logs at: warnings are below it for the error-level row.
        let warningsLogged: Bool
    }

    static let configurations: [Configuration] = [
        .init(name: "before: swift-log StreamLogHandler, DEBUG, no sampling",
              environment: ["DEMO_LOGGER": "swift-log", "LOG_LEVEL": "debug"], warningsLogged: true),
        .init(name: "Sluice sync, DEBUG, no sampling",
              environment: ["ASYNC_LOGGING_ENABLED": "false", "LOG_LEVEL": "debug"], warningsLogged: true),
        .init(name: "async, DEBUG, sampling 20%",
              environment: ["LOG_LEVEL": "debug", "LOG_SAMPLE_RATE_RESILIENT_WEBSOCKET": "0.2"], warningsLogged: true),
        .init(name: "async, DEBUG, sampling 10%",
              environment: ["LOG_LEVEL": "debug", "LOG_SAMPLE_RATE_RESILIENT_WEBSOCKET": "0.1"], warningsLogged: true),
        .init(name: "async, DEBUG, sampling 1%",
              environment: ["LOG_LEVEL": "debug", "LOG_SAMPLE_RATE_RESILIENT_WEBSOCKET": "0.01"], warningsLogged: true),
        .init(name: "async, level ERROR", environment: ["LOG_LEVEL": "error"], warningsLogged: false),
    ]

    let requests: Int
    let directory: String
    let statCommand: String
    /// Fail unless every row kept every warning and error logged at its level, and faults were injected.
    let check: Bool

    /// What a run's log file holds, in Sluice's text lines (`<ts> WARNING module: message`) or
    /// swift-log's `StreamLogHandler` ones (`<ts> warning module: [source] message`).
    struct LogCount {
        var lines = 0
        var bytes = 0
        var duplicates = 0
        var slow = 0
        var breaker = 0
        var lost = 0

        init(path: String) throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes = data.count
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                lines += 1
                guard let (level, message) = Self.event(line) else { continue }
                if level == "WARNING" && message.hasPrefix("duplicate message") { duplicates += 1 }
                if level == "WARNING" && message.hasPrefix("slow reply") { slow += 1 }
                if level == "WARNING" && message.hasPrefix("circuit breaker") { breaker += 1 }
                if level == "ERROR" && message.hasPrefix("connection lost") { lost += 1 }
            }
        }

        /// A line of the client's module: its level, upper-cased, and its message.
        static func event(_ line: Substring) -> (String, Substring)? {
            guard let module = line.range(of: " \(clientModule): ") else { return nil }
            let level = line[..<module.lowerBound].split(separator: " ").last.map { $0.uppercased() } ?? ""
            var message = line[module.upperBound...]
            if message.hasPrefix("["), let source = message.firstIndex(of: "]") {  // swift-log's [source]
                message = message[message.index(after: source)...].drop { $0 == " " }
            }
            return (level, message)
        }
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var rows: [(Configuration, RunSummary, LogCount)] = []
        var statView = ""
        for (index, configuration) in Self.configurations.enumerated() {
            let path = "\(directory)/\(index + 1)-\(configuration.name.prefix { $0 != ":" && $0 != "," }.lowercased()).log"
            try? FileManager.default.removeItem(atPath: path)
            let last = index == Self.configurations.count - 1
            FileHandle.standardError.write(Data("demo: \(configuration.name), \(requests) requests ...\n".utf8))
            let (summary, view) = try runChild(configuration, logFile: path, hold: last)
            if let view { statView = view }
            rows.append((configuration, summary, try LogCount(path: path)))
        }
        print(table(rows))
        print("\n`sluice stat` of the last run, taken while it was still running:\n")
        print(statView)
        if check {
            try checkEveryRowKeptEverything(rows)
        }
    }

    private func checkEveryRowKeptEverything(_ rows: [(Configuration, RunSummary, LogCount)]) throws {
        for (configuration, summary, log) in rows {
            let faults = summary.injected
            guard faults.duplicates > 0, faults.slow > 0, faults.drops > 0 else {
                throw DemoError("'\(configuration.name)': the server injected too few faults to check: \(faults)")
            }
            let warnings = configuration.warningsLogged
                ? (log.duplicates, log.slow, log.breaker) == (faults.duplicates, faults.slow, 2 * faults.drops) : true
            guard warnings, log.lost == faults.drops else {
                throw DemoError("'\(configuration.name)': warnings or errors lost: \(log) against \(faults)")
            }
        }
        FileHandle.standardError.write(Data("demo: every row kept every warning and error it logs\n".utf8))
    }

    /// Runs this program once with the configuration's environment; with hold, runs
    /// `sluice stat` on it before letting it end.
    private func runChild(_ configuration: Configuration, logFile: String, hold: Bool) throws -> (RunSummary, String?) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["run", "--requests", "\(requests)"] + (hold ? ["--hold"] : [])
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOG_") && $0.key != "ASYNC_LOGGING_ENABLED" }
        environment.merge(configuration.environment) { $1 }
        environment["LOG_FILE"] = logFile
        child.environment = environment
        if configuration.environment["DEMO_LOGGER"] == "swift-log" {  // StreamLogHandler writes stderr: into the row's file
            guard FileManager.default.createFile(atPath: logFile, contents: nil),
                  let file = FileHandle(forWritingAtPath: logFile)
            else {
                throw DemoError("cannot create \(logFile) for the run '\(configuration.name)'")
            }
            child.standardError = file
        }
        let output = Pipe(), input = Pipe()
        child.standardOutput = output
        child.standardInput = input
        try child.run()
        guard let line = readLine(from: output.fileHandleForReading) else {
            child.waitUntilExit()
            throw DemoError("the run '\(configuration.name)' printed no summary (exit \(child.terminationStatus))")
        }
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(line.utf8))
        var view: String?
        if hold {
            let stat = Process()
            stat.executableURL = URL(fileURLWithPath: statCommand)
            stat.arguments = ["stat", "\(summary.pid)"]
            let statOutput = Pipe()
            stat.standardOutput = statOutput
            try stat.run()
            view = String(decoding: statOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            stat.waitUntilExit()
        }
        try input.fileHandleForWriting.close()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw DemoError("the run '\(configuration.name)' exited with status \(child.terminationStatus)")
        }
        return (summary, view)
    }

    private func table(_ rows: [(Configuration, RunSummary, LogCount)]) -> String {
        let before = Double(rows[0].2.bytes)
        var lines = [
            "| configuration | records per request | volume vs. before | warnings/errors kept | request p50 / p99 | drops |",
            "|---|---|---|---|---|---|",
        ]
        for (configuration, summary, log) in rows {
            let faults = summary.injected
            // Each injected fault makes exactly these lines: a duplicate or a slow reply one warning,
            // a dropped connection one error and two breaker warnings (open, closed).
            let warningsExpected = faults.duplicates + faults.slow + 2 * faults.drops
            let warningsFound = log.duplicates + log.slow + log.breaker
            let errorsExpected = faults.drops, errorsFound = log.lost
            let kept: String
            if configuration.warningsLogged {
                let found = warningsFound + errorsFound, expected = warningsExpected + errorsExpected
                kept = "\(percent(found, expected)) (\(warningsFound)/\(warningsExpected) W, \(errorsFound)/\(errorsExpected) E)"
            } else {
                kept = "\(percent(errorsFound, errorsExpected)) of errors (\(errorsFound)/\(errorsExpected) E); "
                    + "\(warningsExpected) warnings below the level"
            }
            let perRequest = Double(log.lines) / Double(summary.requests)
            lines.append(
                "| \(configuration.name) | \(String(format: perRequest < 1 ? "%.2f" : "%.1f", perRequest)) | "
                    + "\(String(format: "%.1f%%", 100 * Double(log.bytes) / before)) | \(kept) | "
                    + "\(String(format: "%.2f / %.2f ms", summary.p50Milliseconds, summary.p99Milliseconds)) | \(summary.dropped) |")
        }
        let faults = rows[0].1.injected
        lines.append("")
        lines.append("\(rows[0].1.requests) requests per row, each 100 messages and 5 stale presence pings; the server injected "
            + "\(faults.duplicates) duplicate replies, \(faults.slow) slow replies and \(faults.drops) dropped connections "
            + "(the same ones in every row). Logs: \(directory)/.")
        return lines.joined(separator: "\n")
    }

    private func percent(_ found: Int, _ expected: Int) -> String {
        expected == 0 ? "-" : String(format: "%.0f%%", 100 * Double(found) / Double(expected))
    }

    private func readLine(from handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while let byte = try? handle.read(upToCount: 1), let first = byte.first {
            if first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(first)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}

struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

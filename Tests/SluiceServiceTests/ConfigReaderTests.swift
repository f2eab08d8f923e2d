import Configuration
import Foundation
import Logging
import ServiceLifecycle
import Sluice
import SluiceConfigurationReader
import SluiceTestSupport
import SystemPackage
import XCTest

/// SluiceConfigurationReader against swift-configuration's own providers: a JSON file that a
/// ReloadingFileProvider polls, changed while the follower runs, and the environment provider.
final class ConfigReaderTests: XCTestCase {
    private func write(_ json: String, to path: String) throws {
        // Through a new file renamed over the old one: the provider never reads half a file.
        try Data(json.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Polls `condition` for up to 10 s: the provider sees a change at its next poll.
    private func eventually(_ what: String, _ condition: () -> Bool) async throws {
        for _ in 0..<1_000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertTrue(condition(), what)
    }

    private func module(_ core: SluiceCore, _ name: String) -> SluiceStats.ModuleStats? {
        core.stats.modules[name]
    }

    func testAReloadingFileChangesModuleLevelsAndRatesWhileTheServiceRuns() async throws {
        let directory = try temporaryDirectory(self)
        let settings = directory + "/sluice.json", log = directory + "/app.log"
        try write(#"{"LOG_LEVEL": "info", "LOG_LEVEL_DB": "warning", "LOG_SAMPLE_RATE_HTTP": 1, "LOG_FORMAT": "logfmt"}"#,
                  to: settings)
        let provider = try await ReloadingFileProvider<JSONSnapshot>(
            filePath: FilePath(settings), pollInterval: .milliseconds(20),
            logger: Logger(label: "provider", factory: { _ in SwiftLogNoOpLogHandler() }))
        let reader = SluiceConfigReader(ConfigReader(provider: provider), modules: ["db", "http"])
        var notices: [String] = []
        let core = try SluiceCore(reader.configuration(SluiceConfiguration(destination: .file(log))) { notices.append($0) })
        XCTAssertEqual(notices, [])
        let db = core.logger("db"), http = core.samplingLogger("http")
        db.info("db info, below warning")
        db.warning("db warning 1")
        for i in 0..<20 { http.info("http \(i)", key: "request") }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await provider.run() }
            group.addTask { try await reader.follow(core) }

            try write(#"{"LOG_LEVEL": "info", "LOG_LEVEL_DB": "debug", "LOG_SAMPLE_RATE_HTTP": 0.1, "LOG_FORMAT": "logfmt"}"#,
                      to: settings)
            try await eventually("db at debug") { module(core, "db")?.level == .debug }
            try await eventually("http at 10%") { module(core, "http")?.sampleRate == 0.1 }
            XCTAssertEqual(module(core, "db")?.operatorLevel, .debug, "set as `sluice level` sets it")
            db.debug("db debug, shown now")
            for i in 0..<100 { http.info("sampled \(i)", key: "request") }

            // The module's key gone: LOG_LEVEL decides. Every key gone: the level set in
            // code (here the reader's at open) is back.
            try write(#"{"LOG_LEVEL": "error"}"#, to: settings)
            try await eventually("db at the global error") { module(core, "db")?.level == .error }
            db.warning("db warning, below error")
            try write(#"{}"#, to: settings)
            try await eventually("db's level reset") { module(core, "db")?.operatorLevel == nil }
            XCTAssertEqual(module(core, "db")?.level, .warning, "the level the core opened with")
            db.warning("db warning 2")

            // A bad value is reported in the log and the next in the precedence used.
            try write(#"{"LOG_LEVEL": "info", "LOG_LEVEL_DB": "loud"}"#, to: settings)
            try await eventually("db at the global info") { module(core, "db")?.level == .info }
            group.cancelAll()
        }
        XCTAssertTrue(core.flush())
        core.close()

        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let messages = lines.compactMap { line in line.range(of: " msg=").map { String(line[$0.upperBound...]) } }
        XCTAssertEqual(messages.filter { $0.contains("db ") }, [
            "\"db warning 1\"", "\"db debug, shown now\"", "\"db warning 2\"",
        ], "each db line at the level of its moment:\n\(lines.joined(separator: "\n"))")
        XCTAssertEqual(messages.filter { $0.hasPrefix("\"http ") }.count, 20, "100% before the change")
        XCTAssertEqual(messages.filter { $0.hasPrefix("\"sampled ") }.count, 10, "then exactly 10 of 100")
        XCTAssertTrue(lines.contains { $0.contains("module=sluice") && $0.contains("LOG_LEVEL_DB") && $0.contains("loud") },
                      "the bad value is in the log")
    }

    func testTheEnvironmentProviderReadsWhatTheEnvironmentWould() throws {
        let environment = ["LOG_LEVEL": "warning", "LOG_LEVEL_DB": "debug", "LOG_SAMPLE_RATE": "0.25", "LOG_RINGS": "2",
                           "UNRELATED": "x"]
        let reader = SluiceConfigReader(
            ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)), modules: ["db"])
        XCTAssertEqual(reader.variables(), environment.filter { $0.key != "UNRELATED" })
        let fromReader = reader.configuration { XCTFail($0) }
        let fromEnvironment = SluiceConfiguration().resolve(environment: environment) { XCTFail($0) }
        XCTAssertEqual(fromReader.level, .warning)
        XCTAssertEqual(fromReader.moduleLevels, ["DB": .debug])
        XCTAssertEqual(fromReader.sampleRate, 0.25)
        XCTAssertEqual(fromReader.rings, 2)
        XCTAssertEqual("\(fromReader)", "\(fromEnvironment)", "the same settings, decided the same way")
    }
}

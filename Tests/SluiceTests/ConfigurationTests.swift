import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

final class ConfigurationTests: XCTestCase {
    func resolve(_ environment: [String: String], _ configuration: SluiceConfiguration = .init())
        -> (SluiceConfiguration, [String])
    {
        var reports: [String] = []
        let options = configuration.resolve(environment: environment) { reports.append($0) }
        return (options, reports)
    }

    /// The configuration guide's table of programmatic settings is the table in the code: every
    /// setting, in order, with its variables and its default (each written once, in the code).
    func testTheConfigurationGuidesTableIsTheSettingsTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let section = try XCTUnwrap(guide.components(separatedBy: "## Programmatic settings").last)
        let rows = section.split(separator: "\n").drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }.dropFirst(2)
        let guideRows = rows.map { row in
            row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().prefix(3)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let codeRows = SluiceConfiguration.settings.map { ["`\($0.name)`", $0.variables, $0.defaultText] }
        XCTAssertEqual(guideRows, codeRows)
    }

    func testNothingSetGivesTheDefaults() {
        let (options, reports) = resolve([:])
        XCTAssertEqual(reports, [])
        XCTAssertEqual(options.level, Logger.Level.info)
        XCTAssertEqual(options.sampleRate, 1)
        XCTAssertEqual(options.asynchronous, true)
        XCTAssertEqual(options.destination, SluiceConfiguration.Destination.standardError)
        XCTAssertEqual(options.queueBytes, 4 << 20)
        XCTAssertEqual(options.overflow, SluiceCore.Overflow.drop)
    }

    func testEveryVariableIsRead() {
        let (options, reports) = resolve([
            "LOG_LEVEL": "WARN", "LOG_LEVEL_RESILIENT_WEBSOCKET": "Debug", "LOG_SAMPLE_RATE": "0.5",
            "LOG_SAMPLE_RATE_DB": "0.01", "ASYNC_LOGGING_ENABLED": "off", "LOG_FILE": "/tmp/x.log",
            "LOG_QUEUE_BYTES": "65536", "LOG_OVERFLOW": "BLOCK",
        ])
        XCTAssertEqual(reports, [])
        XCTAssertEqual(options.level, Logger.Level.warning)
        XCTAssertEqual(options.moduleLevels, ["RESILIENT_WEBSOCKET": .debug])
        XCTAssertEqual(options.sampleRate, 0.5)
        XCTAssertEqual(options.moduleSampleRates, ["DB": 0.01])
        XCTAssertEqual(options.asynchronous, false)
        XCTAssertEqual(options.destination, SluiceConfiguration.Destination.file("/tmp/x.log"))
        XCTAssertEqual(options.queueBytes, 65536)
        XCTAssertEqual(options.overflow, SluiceCore.Overflow.block)
    }

    func testLevelsParseInAnyCaseWithShortForms() {
        let cases: [String: Logger.Level] = [
            "trace": .trace, "DEBUG": .debug, "Info": .info, "notice": .notice, "warning": .warning, "warn": .warning,
            "error": .error, "ERR": .error, "critical": .critical, "crit": .critical,
        ]
        for (text, level) in cases {
            XCTAssertEqual(resolve(["LOG_LEVEL": text]).0.level, level, text)
        }
        for text in ["1", "true", "yes", "ON", "TRUE"] {
            XCTAssertEqual(resolve(["ASYNC_LOGGING_ENABLED": text]).0.asynchronous, true, text)
        }
        for text in ["0", "false", "no", "off", "OFF"] {
            XCTAssertEqual(resolve(["ASYNC_LOGGING_ENABLED": text]).0.asynchronous, false, text)
        }
    }

    func testEachBadValueGivesOneLineNamingItAndTheDefaultApplies() {
        let sizes = "a number of bytes, or with k, M, G, KiB, MiB, GiB for powers of 1024, KB, MB, GB for powers of 1000"
        let cases: [(String, String, String)] = [
            ("LOG_SAMPLE_RATE_X", "abc", #"sluice: LOG_SAMPLE_RATE_X="abc" is not a number from 0 to 1; using 1.0"#),
            ("LOG_SAMPLE_RATE_X", "1.5", #"sluice: LOG_SAMPLE_RATE_X="1.5" is not a number from 0 to 1; using 1.0"#),
            ("LOG_SAMPLE_RATE_X", "-1", #"sluice: LOG_SAMPLE_RATE_X="-1" is not a number from 0 to 1; using 1.0"#),
            ("LOG_SAMPLE_RATE_X", "NaN", #"sluice: LOG_SAMPLE_RATE_X="NaN" is not a number from 0 to 1; using 1.0"#),
            ("LOG_SAMPLE_RATE", "2", #"sluice: LOG_SAMPLE_RATE="2" is not a number from 0 to 1; using 1.0"#),
            ("LOG_LEVEL", "loud",
             #"sluice: LOG_LEVEL="loud" is not a level (trace, debug, info, notice, warning, error, critical); using info"#),
            ("LOG_LEVEL_DB", "",
             #"sluice: LOG_LEVEL_DB="" is not a level (trace, debug, info, notice, warning, error, critical); using info"#),
            ("LOG_QUEUE_BYTES", "12",
             #"sluice: LOG_QUEUE_BYTES="12" is not a power of two from 4096 to 1073741824 (\#(sizes)); using 4194304"#),
            ("LOG_QUEUE_BYTES", "5000",
             #"sluice: LOG_QUEUE_BYTES="5000" is not a power of two from 4096 to 1073741824 (\#(sizes)); using 4194304"#),
            ("LOG_OVERFLOW", "spill", #"sluice: LOG_OVERFLOW="spill" is not drop or block; using drop"#),
            ("ASYNC_LOGGING_ENABLED", "maybe",
             #"sluice: ASYNC_LOGGING_ENABLED="maybe" is not one of true, false, 1, 0, yes, no, on, off; using true"#),
            ("LOG_FILE", "", "sluice: LOG_FILE is empty; using stderr"),
        ]
        for (variable, value, line) in cases {
            let (options, reports) = resolve([variable: value])
            XCTAssertEqual(reports, [line], "\(variable)=\(value)")
            let (defaults, _) = resolve([:])
            XCTAssertEqual(options.level, defaults.level)
            XCTAssertEqual(options.sampleRate, defaults.sampleRate)
            XCTAssertEqual(options.queueBytes, defaults.queueBytes)
            XCTAssertEqual(options.overflow, defaults.overflow)
            XCTAssertEqual(options.asynchronous, defaults.asynchronous)
            XCTAssertEqual(options.moduleSampleRates.values.first ?? 1, 1)
        }
    }

    /// A notice names the variable the value came from; values are read without the spaces
    /// around them; sizes take the usual suffixes, and a size of the wrong form says which is wanted.
    func testNoticesNameTheVariableValuesAreTrimmedAndSizesTakeSuffixes() {
        let (tiny, said) = resolve(["LOG_SAMPLE_RATE": "0.0000001", "LOG_SAMPLE_RATE_DB": "0.0000002"])
        XCTAssertEqual(said, [
            #"sluice: LOG_SAMPLE_RATE="0.0000001" is below one in a million, the finest Sluice keeps; using 0.000001"#,
            #"sluice: LOG_SAMPLE_RATE_DB="0.0000002" is below one in a million, the finest Sluice keeps; using 0.000001"#,
        ])
        XCTAssertEqual(tiny.sampleRate, 0.000001)
        XCTAssertEqual(tiny.moduleSampleRates["DB"], 0.000001)

        let (trimmed, none) = resolve(["LOG_LEVEL": " debug", "LOG_SAMPLE_RATE": "0.5 ", "LOG_OVERFLOW": "\tblock\n",
                                       "ASYNC_LOGGING_ENABLED": " off", "LOG_QUEUE_BYTES": " 65536 "])
        XCTAssertEqual(none, [])
        XCTAssertEqual(trimmed.level, .debug)
        XCTAssertEqual(trimmed.sampleRate, 0.5)
        XCTAssertEqual(trimmed.overflow, .block)
        XCTAssertEqual(trimmed.asynchronous, false)
        XCTAssertEqual(trimmed.queueBytes, 65536)

        let sizes: [(String, Int)] = [("16MiB", 16 << 20), ("16m", 16 << 20), ("64k", 65536), ("64KiB", 65536), ("1G", 1 << 30),
                                      ("8192", 8192), ("4 MiB", 4 << 20)]
        for (text, bytes) in sizes {
            let (options, reports) = resolve(["LOG_QUEUE_BYTES": text, "LOG_FILE_MAX_BYTES": text])
            XCTAssertEqual(reports, [], text)
            XCTAssertEqual(options.queueBytes, bytes, text)
            XCTAssertEqual(options.fileMaxBytes, bytes, text)
        }
        XCTAssertEqual(resolve(["LOG_FILE_MAX_BYTES": "10MB"]).0.fileMaxBytes, 10_000_000, "MB, KB and GB count in thousands")
        XCTAssertEqual(resolve(["LOG_QUEUE_BYTES": "16MB"]).1, [
            #"sluice: LOG_QUEUE_BYTES="16MB" is not a power of two from 4096 to 1073741824 (a number of bytes, or with k, M, G, "#
                + #"KiB, MiB, GiB for powers of 1024, KB, MB, GB for powers of 1000: 16MB is 16000000 bytes); using 4194304"#,
        ])
        XCTAssertEqual(resolve(["LOG_FILE_MAX_BYTES": "ten"]).1, [
            #"sluice: LOG_FILE_MAX_BYTES="ten" is not a whole number, 0 or more (a number of bytes, or with k, M, G, "#
                + #"KiB, MiB, GiB for powers of 1024, KB, MB, GB for powers of 1000); using 0"#,
        ])
    }

    /// A notice also goes into the log once it is open: a service whose stderr is discarded sees it.
    func testConfigurationNoticesAlsoGoToTheLog() throws {
        let path = temporaryLogPath(self)
        _ = try capturingStandardError {
            try Sluice.bootstrap(environment: ["LOG_FILE": path, "LOG_SAMPLE_RATE_NOISY": "abc"])
            Sluice.close()
        }
        XCTAssertEqual(try lines(path), [#"WARNING sluice: LOG_SAMPLE_RATE_NOISY="abc" is not a number from 0 to 1; using 1.0"#])
    }

    func testABadModuleValueFallsBackToTheGlobalSetting() {
        let (options, reports) = resolve(["LOG_LEVEL": "error", "LOG_LEVEL_DB": "chatty", "LOG_SAMPLE_RATE": "0.25", "LOG_SAMPLE_RATE_DB": "x"])
        XCTAssertEqual(options.moduleLevels["DB"], .error)
        XCTAssertEqual(options.moduleSampleRates["DB"], 0.25)
        XCTAssertEqual(reports.count, 2)
        XCTAssertTrue(reports[0].hasSuffix("; using error"), reports[0])
        XCTAssertTrue(reports[1].hasSuffix("; using 0.25"), reports[1])
    }

    func testProgrammaticSettingsWinOverTheEnvironment() {
        let configuration = SluiceConfiguration(
            level: .critical, moduleLevels: ["resilient_websocket": .trace], sampleRate: 0.5,
            moduleSampleRates: ["db": 0.1], asynchronous: true, destination: .standardError, queueBytes: 8192,
            overflow: .drop)
        let (options, reports) = resolve([
            "LOG_LEVEL": "debug", "LOG_LEVEL_RESILIENT_WEBSOCKET": "error", "LOG_SAMPLE_RATE": "0.9",
            "LOG_SAMPLE_RATE_DB": "0.9", "ASYNC_LOGGING_ENABLED": "false", "LOG_FILE": "/tmp/y.log",
            "LOG_QUEUE_BYTES": "65536", "LOG_OVERFLOW": "block",
        ], configuration)
        XCTAssertEqual(reports, [])
        XCTAssertEqual(options.level, Logger.Level.critical)
        XCTAssertEqual(options.moduleLevels, ["resilient_websocket": .trace], "the variable of the same name is gone")
        XCTAssertEqual(options.sampleRate, 0.5)
        XCTAssertEqual(options.moduleSampleRates, ["db": 0.1])
        XCTAssertEqual(options.asynchronous, true)
        XCTAssertEqual(options.destination, SluiceConfiguration.Destination.standardError)
        XCTAssertEqual(options.queueBytes, 8192)
        XCTAssertEqual(options.overflow, SluiceCore.Overflow.drop)
    }

    func testBadProgrammaticValuesAreReportedAndReplacedByTheirDefault() {
        let (options, reports) = resolve([:], SluiceConfiguration(sampleRate: 1.5, moduleSampleRates: ["db": -2], queueBytes: 12))
        XCTAssertEqual(options.sampleRate, 1)
        XCTAssertEqual(options.moduleSampleRates["db"], 1)
        XCTAssertEqual(options.queueBytes, 4 << 20)
        XCTAssertEqual(reports, [
            "sluice: configuration sampleRate 1.5 is not a number from 0 to 1; using 1.0",
            #"sluice: configuration moduleSampleRates["db"] -2.0 is not a number from 0 to 1; using 1.0"#,
            "sluice: configuration queueBytes 12 is not a power of two from 4096 to 1073741824; using 4194304",
        ])
    }

    func testABadValueInCodeFallsToTheNextSettingInThePrecedence() {
        let (options, reports) = resolve(
            ["LOG_SAMPLE_RATE": "0.5", "LOG_SAMPLE_RATE_NOISY": "0.25", "LOG_QUEUE_BYTES": "65536"],
            SluiceConfiguration(sampleRate: 7, moduleSampleRates: ["noisy": 2, "quiet": -1], queueBytes: 12))
        XCTAssertEqual(options.sampleRate, 0.5, "LOG_SAMPLE_RATE, not the default")
        XCTAssertEqual(options.moduleSampleRates["noisy"], 0.25, "LOG_SAMPLE_RATE_NOISY, not the global rate")
        XCTAssertEqual(options.moduleSampleRates["quiet"], 0.5, "no variable of its own: the global rate")
        XCTAssertEqual(options.queueBytes, 65536)
        XCTAssertEqual(reports, [
            "sluice: configuration sampleRate 7.0 is not a number from 0 to 1; using 0.5",
            #"sluice: configuration moduleSampleRates["noisy"] 2.0 is not a number from 0 to 1; using 0.25"#,
            #"sluice: configuration moduleSampleRates["quiet"] -1.0 is not a number from 0 to 1; using 0.5"#,
            "sluice: configuration queueBytes 12 is not a power of two from 4096 to 1073741824; using 65536",
        ])
    }

    func testNamesThatNormalizeAlikeGetTheSameSettingInEveryProcess() throws {
        // Dictionary order is seeded per process: five processes must agree, on the documented rule.
        let environment = ["LOG_LEVEL_FOO": "error", "LOG_LEVEL_foo": "debug", "LOG_LEVEL_bar": "notice",
                           "LOG_LEVEL_Bar": "critical", "LOG_LEVEL_X": "trace", "LOG_FILE": temporaryLogPath(self)]
        let expected = """
            a.b error
            a-b debug
            a_b debug
            A_B debug
            foo debug
            Foo error
            bar notice
            x warning

            """
        for run in 0..<5 {
            let result = try runExecutable("SluiceFacadeChild", ["precedence"], environment: environment)
            XCTAssertEqual(result.status, 0, result.err)
            XCTAssertEqual(result.out, expected, "run \(run)")
        }
    }

    func testBootstrapReadsTheEnvironmentAndReportsBadValuesOnStderrOnce() throws {
        let path = temporaryLogPath(self)
        let stderrText = try capturingStandardError {
            try Sluice.bootstrap(environment: [
                "LOG_FILE": path, "LOG_LEVEL": "debug", "LOG_LEVEL_QUIET": "error", "LOG_SAMPLE_RATE_NOISY": "abc",
            ])
        }
        XCTAssertEqual(stderrText, "sluice: LOG_SAMPLE_RATE_NOISY=\"abc\" is not a number from 0 to 1; using 1.0\n")
        Sluice.logger("main").debug("shown")
        Sluice.logger("quiet").warning("hidden")
        Sluice.logger("quiet").error("shown too")
        let noisy = Sluice.samplingLogger("noisy")
        for i in 0..<10 { noisy.debug("sampled \(i)", key: "k") }
        Sluice.setSampleRate(0.5, module: "noisy")
        for i in 0..<4 { noisy.debug("half \(i)", key: "half") }
        XCTAssertTrue(Sluice.flush())
        Sluice.close()
        XCTAssertEqual(try lines(path), [
            #"WARNING sluice: LOG_SAMPLE_RATE_NOISY="abc" is not a number from 0 to 1; using 1.0"#,  // the notice, in the log too
            "DEBUG main: shown", "ERROR quiet: shown too",
        ] + (0..<10).map { "DEBUG noisy: sampled \($0)" } + ["DEBUG noisy: half 0", "DEBUG noisy: half 2"])
    }

    func testALogFileThatCannotBeOpenedFallsBackToStderrWithOneLine() throws {
        let stderrText = try capturingStandardError {
            try Sluice.bootstrap(environment: ["LOG_FILE": "/nonexistent-sluice/app.log"])
            Sluice.close()
        }
        XCTAssertEqual(stderrText, "sluice: cannot open log file '/nonexistent-sluice/app.log': No such file or directory; "
            + "logging to stderr instead (LOG_FILE=/nonexistent-sluice/app.log)\n")
        XCTAssertThrowsError(try Sluice.bootstrap(configuration: .init(destination: .file("/nonexistent-sluice/app.log")))) {
            XCTAssertEqual("\($0)", "sluice: cannot open log file '/nonexistent-sluice/app.log': No such file or directory")
        }
    }

    /// A syslog address the core cannot use is reported under LOG_SYSLOG, never as a bad LOG_FILE;
    /// beside a log file, the file keeps working without the syslog sink.
    func testASyslogAddressThatCannotBeUsedIsReportedUnderItsOwnVariable() throws {
        for address in ["http://x:1", "tcp://127.0.0.1:no-such-port"] {
            let said = try capturingStandardError {
                try Sluice.bootstrap(environment: ["LOG_SYSLOG": address])
                Sluice.close()
            }
            XCTAssertEqual(said.split(separator: "\n").count, 1, said)
            XCTAssertTrue(said.contains("LOG_SYSLOG") && said.contains(address) && said.contains("; logging to stderr instead"), said)
            XCTAssertFalse(said.contains("LOG_FILE"), said)
        }
        let path = temporaryLogPath(self)
        let said = try capturingStandardError {
            try Sluice.bootstrap(environment: ["LOG_FILE": path, "LOG_SYSLOG": "http://x:1"])
            Sluice.logger("app").info("kept")
            Sluice.close()
        }
        XCTAssertTrue(said.contains("LOG_SYSLOG") && said.contains("; no syslog sink"), said)
        XCTAssertFalse(said.contains("LOG_FILE"), said)
        XCTAssertEqual(try lines(path).filter { $0.hasPrefix("INFO") }, ["INFO app: kept"], "the file is the sink still")
    }

    func testLOG_COLORTakesAutoAlwaysOrNeverAndABadValueIsReported() {
        var reports: [String] = []
        XCTAssertEqual(SluiceConfiguration().resolve(environment: [:]) { reports.append($0) }.color, .auto)
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_COLOR": "Always"]) { reports.append($0) }.color, .always)
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_COLOR": "never"]) { reports.append($0) }.color, .never)
        XCTAssertEqual(reports, [])
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_COLOR": "rainbow"]) { reports.append($0) }.color, .auto)
        XCTAssertEqual(reports.count, 1)
        XCTAssertTrue(reports[0].contains("LOG_COLOR") && reports[0].contains("rainbow") && reports[0].contains("auto, always or never"),
                      reports[0])
        let coded = SluiceConfiguration(color: .never).resolve(environment: ["LOG_COLOR": "always"]) { reports.append($0) }
        XCTAssertEqual(coded.color, .never, "code wins over the environment")
    }

    func testLOG_JSON_KEYSTakesAPresetAndRenamesAndABadValueIsReportedWithTheCoresReason() throws {
        var reports: [String] = []
        XCTAssertEqual(SluiceConfiguration().resolve(environment: [:]) { reports.append($0) }.jsonKeys, .standard)
        let ecs = SluiceConfiguration().resolve(environment: ["LOG_JSON_KEYS": "ecs,request_id=http.request.id"]) { reports.append($0) }
        XCTAssertEqual(ecs.jsonKeys, try SluiceConfiguration.JSONKeys.ecs.renaming("request_id", to: "http.request.id"))
        XCTAssertEqual(reports, [])
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_JSON_KEYS": "msg=message,level=message"]) { reports.append($0) }.jsonKeys, .standard)
        XCTAssertEqual(reports, [#"sluice: LOG_JSON_KEYS: two members would have one name in "message"; the standard names stay"#])
        XCTAssertThrowsError(try SluiceConfiguration.JSONKeys.googleCloud(project: "a,b"))
        let coded = SluiceConfiguration(jsonKeys: .datadog).resolve(environment: ["LOG_JSON_KEYS": "ecs"]) { reports.append($0) }
        XCTAssertEqual(coded.jsonKeys, .datadog, "code wins over the environment")
    }

    func testAJSONSinkOfItsOwnKeepsItsNamesBesideTheConfigurations() throws {
        let path = temporaryLogPath(self, "ecs"), capture = SluiceCapture()
        var configuration = SluiceConfiguration(level: .info, destination: .file(path), format: .json, jsonKeys: .ecs)
        configuration.moreSinks = [capture.sink()]
        let core = try SluiceCore(configuration)
        let logger = core.logger("billing")
        logger.info("charged", metadata: ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"])
        core.close()
        let line = try XCTUnwrap(String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first.map(String.init))
        XCTAssertTrue(line.hasPrefix(#"{"@timestamp":""#), line)
        XCTAssertTrue(line.contains(#""log.level":"info","message":"charged","log.logger":"billing""#), line)
        XCTAssertTrue(line.contains(#""trace.id":"4bf92f3577b34da6a3ce929d0e0e4736""#), line)
        XCTAssertEqual(capture.records.map(\.message), ["charged"], "the capture reads its standard names")
    }

    func testLOG_TIME_ZONEAndLOG_TIME_FORMATTakeTheirNamesAndABadValueIsReported() {
        var reports: [String] = []
        let defaults = SluiceConfiguration().resolve(environment: [:]) { reports.append($0) }
        XCTAssertEqual(defaults.zone, .utc)
        XCTAssertEqual(defaults.timeFormat, .full)
        let console = SluiceConfiguration().resolve(environment: ["LOG_TIME_ZONE": "Local", "LOG_TIME_FORMAT": "short"]) { reports.append($0) }
        XCTAssertEqual(console.zone, .local)
        XCTAssertEqual(console.timeFormat, .short)
        XCTAssertEqual(reports, [])
        let bad = SluiceConfiguration().resolve(environment: ["LOG_TIME_ZONE": "Europe/Paris", "LOG_TIME_FORMAT": "iso"]) { reports.append($0) }
        XCTAssertEqual(bad.zone, .utc)
        XCTAssertEqual(bad.timeFormat, .full)
        XCTAssertEqual(reports.count, 2)
        XCTAssertTrue(reports[0].contains("LOG_TIME_ZONE") && reports[0].contains("utc or local"), reports[0])
        XCTAssertTrue(reports[1].contains("LOG_TIME_FORMAT") && reports[1].contains("full or short"), reports[1])
    }

    func testTheRotationByTimeCompressionAndAgeVariablesParseAndABadValueIsReported() {
        var reports: [String] = []
        let defaults = SluiceConfiguration().resolve(environment: [:]) { reports.append($0) }
        XCTAssertEqual(defaults.fileRotation, .size)
        XCTAssertEqual(defaults.fileCompression, .off)
        XCTAssertEqual(defaults.fileMaxAge, .zero)
        let set = SluiceConfiguration().resolve(
            environment: ["LOG_FILE_ROTATE": "Hourly", "LOG_FILE_COMPRESS": "gzip", "LOG_FILE_MAX_AGE": "7d"]) { reports.append($0) }
        XCTAssertEqual(set.fileRotation, .hourly)
        XCTAssertEqual(set.fileCompression, .gzip)
        XCTAssertEqual(set.fileMaxAge, .seconds(7 * 86400))
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_FILE_MAX_AGE": "90m"]) { reports.append($0) }.fileMaxAge, .seconds(5400))
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_FILE_MAX_AGE": "3600"]) { reports.append($0) }.fileMaxAge, .seconds(3600))
        XCTAssertEqual(SluiceConfiguration().resolve(environment: ["LOG_FILE_COMPRESS": "none"]) { reports.append($0) }.fileCompression, .off)
        XCTAssertEqual(reports, [])
        let bad = SluiceConfiguration().resolve(
            environment: ["LOG_FILE_ROTATE": "weekly", "LOG_FILE_COMPRESS": "zstd", "LOG_FILE_MAX_AGE": "7 days"]) { reports.append($0) }
        XCTAssertEqual(bad.fileRotation, .size)
        XCTAssertEqual(bad.fileCompression, .off)
        XCTAssertEqual(bad.fileMaxAge, .zero)
        XCTAssertEqual(reports.count, 3)
        XCTAssertTrue(reports.contains { $0.contains("LOG_FILE_ROTATE") && $0.contains("size, hourly or daily") }, "\(reports)")
        XCTAssertTrue(reports.contains { $0.contains("LOG_FILE_MAX_AGE") && $0.contains("7d") }, "\(reports)")
        XCTAssertEqual(SluiceConfiguration(fileMaxAge: .seconds(-1)).resolve(environment: [:]) { reports.append($0) }.fileMaxAge, .zero)
    }
}

import Foundation
import SluiceTestSupport
import XCTest

/// The API exactly as the issue shows it, in a child process configured by its environment.
final class FacadeProcessTests: XCTestCase {
    func runChild(environment: [String: String]) throws -> (status: Int32, stderr: String) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("SluiceFacadeChild")
        child.environment = environment
        let errors = Pipe()
        child.standardError = errors
        try child.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        return (child.terminationStatus, text)
    }

    let expected = [
        "INFO resilient_websocket: connected id=42 peer=10.0.0.1",
        "DEBUG resilient_websocket: frame opcode=2",
        "DEBUG resilient_websocket: enqueue id=0", "DEBUG resilient_websocket: enqueue id=10",
        "INFO resilient_websocket: fixed id=0", "INFO resilient_websocket: fixed id=10",
        "DEBUG resilient_websocket: flushed 17 messages",
        "INFO com.example.swiftlog: through swift-log user=ada",
    ]

    func testTheWholeAPIWritesWhatTheEnvironmentAsks() throws {
        let path = temporaryLogPath(self)
        let result = try runChild(environment: [
            "LOG_FILE": path, "LOG_LEVEL": "info", "LOG_LEVEL_RESILIENT_WEBSOCKET": "debug",
            "LOG_SAMPLE_RATE_RESILIENT_WEBSOCKET": "0.1",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(try lines(path), expected)
    }

    func testTheSynchronousRollbackWritesTheSameLines() throws {
        let path = temporaryLogPath(self)
        let result = try runChild(environment: [
            "LOG_FILE": path, "LOG_LEVEL_RESILIENT_WEBSOCKET": "DEBUG", "LOG_SAMPLE_RATE_RESILIENT_WEBSOCKET": "0.1",
            "ASYNC_LOGGING_ENABLED": "false",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try lines(path), expected)
    }

    func testBadValuesAreReportedOnceEachAndTheRunGoesOn() throws {
        let path = temporaryLogPath(self)
        let result = try runChild(environment: [
            "LOG_FILE": path, "LOG_LEVEL_RESILIENT_WEBSOCKET": "debug", "LOG_SAMPLE_RATE_RESILIENT_WEBSOCKET": "0.1",
            "LOG_LEVEL": "loud", "LOG_QUEUE_BYTES": "12", "LOG_SAMPLE_RATE_X": "NaN",
        ])
        XCTAssertEqual(result.status, 0)
        let notices = [
            #"LOG_LEVEL="loud" is not a level (trace, debug, info, notice, warning, error, critical); using info"#,
            #"LOG_SAMPLE_RATE_X="NaN" is not a number from 0 to 1; using 1.0"#,
            #"LOG_QUEUE_BYTES="12" is not a power of two from 4096 to 1073741824 (a number of bytes, or with k, M, G, "#
                + #"KiB, MiB, GiB for powers of 1024, KB, MB, GB for powers of 1000); using 4194304"#,
        ]
        XCTAssertEqual(result.stderr.split(separator: "\n").map(String.init), notices.map { "sluice: " + $0 })
        XCTAssertEqual(try lines(path), notices.map { "WARNING sluice: " + $0 } + expected, "the notices in the log too, first")
    }

    func testLoggersMadeBeforeABootstrapWriteWhereEachBootstrapSays() throws {
        let directory = (temporaryLogPath(self) as NSString).deletingPathExtension
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let result = try runExecutable("SluiceFacadeChild", ["order", directory])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(try lines(directory + "/a.log"), ["DEBUG db: one", "DEBUG early: one", "DEBUG early: one"])
        XCTAssertEqual(try lines(directory + "/b.log"), ["INFO db: two", "INFO early: two"])
        XCTAssertEqual(result.out.split(separator: "\n"), [
            "same core: true",  // the early accessors opened nothing that the bootstrap replaced
            "dropped after close: 1 of 1 dropped",  // the one record logged between shutdown and bootstrap
            "statistics files: 1",
        ])
        XCTAssertEqual(result.err, "")
    }

    func testWithLOG_CRASH_FLUSHAnAbortAfterSwiftLogRecordsLosesNoneAndStillDiesOfIt() throws {
        let path = temporaryLogPath(self)
        var environment = ["LOG_FILE": path, "LOG_CRASH_FLUSH": "true"]
        if underThreadSanitizer {  // Swift's backtracer and ThreadSanitizer's runtime trip each other up
            environment["SWIFT_BACKTRACE"] = "enable=no"
        }
        let result = try runExecutable("SluiceFacadeChild", ["crash", "1000"], environment: environment)
        XCTAssertEqual(result.reason, .uncaughtSignal, result.err)
        XCTAssertEqual(result.status, SIGABRT)
        XCTAssertEqual(try messages(path), (0..<1000).map { "record \($0)" })
    }

    func testABootstrapDoesNotHangOnAStuckSink() throws {
        let path = temporaryLogPath(self)
        let result = try runExecutable("SluiceFacadeChild", ["stuck", path], environment: ["LOG_FILE": "/dev/stdout"])
        XCTAssertEqual(result.status, 0, result.err)
        let report = result.err.split(separator: "\n")
        XCTAssertEqual(report.last, "bootstrap returned: true; flushed: true")
        XCTAssertTrue(report.first?.hasPrefix("sluice: 'stdout' did not finish writing within 1000 ms") == true, result.err)
        let written = try lines(path)
        XCTAssertEqual(written.count, 2, "\(written)")
        XCTAssertTrue(written.first?.hasPrefix("WARNING sluice: 'stdout' did not finish writing within 1000 ms") == true, "the notice in the new log")
        XCTAssertEqual(written.last, "INFO app: after the bootstrap")
    }
}

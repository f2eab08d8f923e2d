import CSluice
import Foundation
import Logging
import SluiceTestSupport
import XCTest

@testable import Sluice

/// The syslog sink against a real rsyslog (apt `rsyslog`, started by each test on
/// loopback from a configuration in Tests/SluiceTests/rsyslog and stopped after it).
final class SyslogTests: XCTestCase {
    /// One received message: rsyslog's APP-NAME, PROCID, PRI, STRUCTURED-DATA and MSG.
    struct Received {
        var app, procid, pri, structuredData, message: String
        init(_ line: String) {
            let parts = line.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
            (app, procid, pri, structuredData, message) = (parts[0], parts[1], parts[2], parts[3], parts.count > 4 ? parts[4] : "")
        }
    }

    /// Logs the hostile corpus (raw bytes, through the C API) and 200 ordinary records at
    /// every level through a text file and one syslog sink; returns the file's messages.
    func logThroughBoth(_ address: String, app: String) throws -> (messages: [String], sinks: [SluiceStats.SinkStats]) {
        let path = temporaryLogPath(self, app)
        let core = try SluiceCore(.init(
            level: .trace, destination: .file(path), moreSinks: [.init(.syslog(address))], syslogFacility: .local3,
            syslogAppName: app))
        let log = core.logger("syslog.test")
        for bytes in hostileCorpus {
            _ = bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) {
                    sluice_log(core.pointer, Int32(SLUICE_WARNING), sluice_module(core.pointer, "syslog.test"), $0.baseAddress, $0.count)
                }
            }
        }
        for i in 0..<200 {
            log.log(level: Logger.Level.allCases[i % 7], "record \(i) | pipes and \"quotes\" stay")
        }
        core.close()
        let messages = try lines(path).map { line in String(line[line.range(of: ": ")!.upperBound...]) }
        return (messages, core.stats.sinks)
    }

    func testEveryRecordReachesRsyslogOnceAndIntactOverUDPTCPAndAUnixSocket() throws {
        let rsyslog = try Rsyslog(self, configuration: "receiver.conf")
        let addresses = [
            ("sluice-udp", "udp://127.0.0.1:\(rsyslog.udpPort)"), ("sluice-tcp", "tcp://127.0.0.1:\(rsyslog.tcpPort)"),
            ("sluice-unix", "unix://\(rsyslog.directory)/log.sock"),
        ]
        var sent: [String: [String]] = [:]
        for (app, address) in addresses {
            let (messages, sinks) = try logThroughBoth(address, app: app)
            XCTAssertEqual(messages.count, hostileCorpus.count + 200)
            XCTAssertEqual(sinks[1].written, UInt64(messages.count), "\(app): every record sent")
            XCTAssertEqual(sinks[1].dropped, 0)
            sent[app] = messages
        }
        let total = sent.values.map(\.count).reduce(0, +)
        let received = rsyslog.waitForLines("received.log", count: total).map(Received.init)
        rsyslog.stop()
        let severities = [7, 7, 6, 5, 4, 3, 2]
        for (app, _) in addresses {
            let mine = received.filter { $0.app == app }
            XCTAssertEqual(mine.map(\.message), sent[app], "\(app): each record once, in order, its text as the text line has it")
            XCTAssertEqual(Set(mine.map(\.procid)), ["\(getpid())"])
            let ordinary = mine.suffix(200)
            XCTAssertEqual(ordinary.map(\.pri), (0..<200).map { "\(19 * 8 + severities[$0 % 7])" }, "local3, each level's severity")
            XCTAssertEqual(Set(ordinary.map(\.structuredData)).count, 1)
            XCTAssertNotNil(ordinary.first?.structuredData.range(
                of: #"^\[sluice@32473 module="syslog\.test" thread="\d+"\]$"#, options: .regularExpression), ordinary.first?.structuredData ?? "")
        }
    }

    func testMetadataAndTheRecordsOriginArriveAsStructuredData() throws {
        let rsyslog = try Rsyslog(self, configuration: "receiver.conf")
        let core = try SluiceCore(.init(
            level: .trace, destination: .syslog("tcp://127.0.0.1:\(rsyslog.tcpPort)"), sourceLocation: true, syslogAppName: "sd"))
        let logger = Logger(label: "syslog.sd") { SluiceLogHandler(label: $0, core: core) }
        let line = #line + 1
        logger.warning("charged", metadata: ["user": ["id": .stringConvertible(42), "roles": ["a", "b"]], "say": "x\"]y", "msg": "clash"])
        core.close()
        let received = try XCTUnwrap(rsyslog.waitForLines("received.log", count: 1).map(Received.init).first)
        rsyslog.stop()
        XCTAssertEqual(received.message, "charged")
        XCTAssertEqual(received.pri, "\(1 * 8 + 4)", "user facility by default, warning")
        let expected = #"^\[sluice@32473 module="syslog\.sd" thread="\d+" source="SluiceTests" file="SluiceTests/SyslogTests\.swift" "#
            + #"line="\#(line)" function="testMetadataAndTheRecordsOriginArriveAsStructuredData\(\)"\]"#
            + #"\[fields@32473 fields\.msg="clash" say="x\\"\\\]y" user="\[\\"id\\": 42, \\"roles\\": \[a, b\\\]\\\]"\]$"#
        XCTAssertNotNil(received.structuredData.range(of: expected, options: .regularExpression), received.structuredData)
    }

    func testARestartOfRsyslogMidRunCostsOnlyCountedRecordsAndTheSinkReconnects() throws {
        let rsyslog = try Rsyslog(self, configuration: "receiver.conf")
        let core = try SluiceCore(.init(level: .trace, destination: .syslog("tcp://127.0.0.1:\(rsyslog.tcpPort)"), syslogAppName: "restart"))
        let log = core.logger("restart")
        var next = 0
        func logPhase(_ count: Int) {
            for _ in 0..<count {
                log.info("record \(next)")
                next += 1
            }
            core.flush()
        }
        logPhase(500)
        XCTAssertEqual(rsyslog.waitForLines("received.log", count: 500).count, 500)
        rsyslog.stop()  // it closes the connection: the sink sees it before its next batch
        logPhase(500)   // nobody listens: refused, counted as dropped by the sink
        try rsyslog.start()
        // The sink tries again before a batch once its back-off (up to 5 s) has passed: one
        // record a batch until one is written, each refused one counted as dropped.
        let writtenBefore = core.stats.sinks[0].written, reconnected = Date().addingTimeInterval(10)
        while core.stats.sinks[0].written == writtenBefore && Date() < reconnected {
            logPhase(1)
            Thread.sleep(forTimeInterval: 0.02)
        }
        logPhase(500)
        core.close()  // every report owed goes out
        let stats = core.stats.sinks[0]
        func reports(_ received: [Received]) -> [Received] {
            received.filter { $0.structuredData.contains(#"module="sluice""#) }
        }
        func reportedDrops(_ received: [Received]) -> UInt64 {
            reports(received).map { UInt64($0.message.split(separator: " ")[1]) ?? 0 }.reduce(0, +)
        }
        _ = rsyslog.waitForLines("received.log", count: Int(stats.written) + 1)  // the records and at least one report
        let deadline = Date().addingTimeInterval(15)
        while reportedDrops(rsyslog.lines("received.log").map(Received.init)) < stats.dropped && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)  // the last reports on their way
        }
        rsyslog.stop()
        let received = rsyslog.lines("received.log").map(Received.init)
        let numbers = received.filter { $0.structuredData.contains(#"module="restart""#) }.map { Int($0.message.dropFirst("record ".count)) ?? -1 }
        XCTAssertEqual(reportedDrops(received), stats.dropped, "the gap is reported in the stream once it works again")
        XCTAssertEqual(numbers, numbers.sorted(), "in order")
        XCTAssertEqual(Set(numbers).count, numbers.count, "none twice")
        XCTAssertEqual(UInt64(numbers.count), stats.written, "every record the sink counts as written arrived")
        XCTAssertEqual(UInt64(received.count), stats.written + UInt64(reports(received).count))
        XCTAssertEqual(stats.written + stats.dropped, UInt64(next), "and every other one is counted as dropped")
        XCTAssertGreaterThanOrEqual(stats.dropped, 500, "the records logged while it was down")
        XCTAssertTrue(numbers.contains(next - 1), "the sink reconnected")
    }

    func testRsyslogTailingTheJSONFileParsesEveryField() throws {
        let path = temporaryLogPath(self, "app.json")
        let core = try SluiceCore(.init(level: .trace, destination: .file(path), format: .json))
        let log = core.logger("shop.checkout")
        for i in 0..<50 {
            log.info("order \(i) \"placed\"", metadata: ["user": ["id": .stringConvertible(42), "roles": ["admin", "ops"]]])
        }
        core.close()
        let rsyslog = try Rsyslog(self, configuration: "collector.conf", filling: ["@LOG@": path])
        let parsed = rsyslog.waitForLines("parsed.log", count: 50)
        rsyslog.stop()
        XCTAssertEqual(rsyslog.lines("unparsed.log"), [], "mmjsonparse took every line")
        XCTAssertEqual(parsed.count, 50)
        for (i, line) in parsed.enumerated() {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(Array(fields.prefix(3)), ["info", "shop.checkout", "order \(i) \"placed\""])
            XCTAssertGreaterThan(Int(fields[3]) ?? 0, 0, "thread")
            XCTAssertEqual(fields[4], "42")
            XCTAssertEqual(fields[5].filter { !$0.isWhitespace }, #"["admin","ops"]"#)
        }
    }
}

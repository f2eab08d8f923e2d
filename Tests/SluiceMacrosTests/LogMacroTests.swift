import Foundation
import Sluice
import SluiceMacros
import SluiceTestSupport
import XCTest

/// The log macros (SluiceMacros): each call writes the line the logger's own call with the same
/// literal writes, byte for byte, in every format; nothing is evaluated below the level or for a
/// call sampled out; a site's format is registered once, in any context.
final class LogMacroTests: XCTestCase {
    /// A value that describes itself: written as its description.
    struct Described: CustomStringConvertible {
        let n: Int
        var description: String { "described(\(n))\n" }
    }

    /// A value without a description of its own: written as String(describing:).
    struct Plain {
        let n: Int
    }

    static var peers: [String] {
        hostileCorpus.map { String(decoding: $0, as: UTF8.self) } + ["10.0.0.1", "", String(repeating: "é", count: 300)]
    }

    /// Each line with its time and thread replaced: two runs compare as bytes.
    static func stamped(_ text: String) -> [String] {
        text.split(separator: "\n").map {
            $0.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"#, with: "TIME", options: .regularExpression)
                .replacingOccurrences(of: #""?thread"?[=:]"?\d+"?"#, with: "THREAD", options: .regularExpression)
        }
    }

    /// The lines body logs through a core of configuration, written to a file.
    func logged(_ configuration: SluiceConfiguration, _ body: (SluiceLogger) throws -> Void) throws -> [String] {
        var configuration = configuration
        let path = temporaryLogPath(self, "macro-\(UUID().uuidString)")
        configuration.destination = .file(path)
        let core = try SluiceCore(configuration)
        var log = core.logger("api")
        log.metadataProvider = nil
        try body(log)
        core.close()
        return Self.stamped(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// The datagrams body logs through a core writing syslog to a Unix socket of the test's own.
    func loggedToSyslog(_ body: (SluiceLogger) -> Void) throws -> [String] {
        let path = temporaryLogPath(self, "syslog-\(UUID().uuidString)")
        let receiver = try DatagramReceiver(path)
        defer { receiver.close() }
        let core = try SluiceCore(SluiceConfiguration(level: .trace, destination: .syslog("unix://\(path)")))
        var log = core.logger("api")
        log.metadataProvider = nil
        body(log)
        core.close()
        return Self.stamped(receiver.received().joined(separator: "\n"))
    }

    /// The same calls, once as the macros and once as the logger's own: every level, the value
    /// kinds a record carries as themselves, the ones written as their description, escapes,
    /// raw and multi-line literals, metadata.
    static func calls(_ log: SluiceLogger, macros: Bool, peers: [String] = peers) {
        for (n, peer) in peers.enumerated() {
            let ratio = Double(n) / 3, small = Float(n) / 7, id = n - 20, ok = n % 2 == 0, huge = Int128(n) << 70
            let optional: Int? = n % 3 == 0 ? nil : n, described = Described(n: n), plain = Plain(n: n), sub = peer.dropFirst()
            if macros {
                #info(log, "connected id=\(id) peer=\(peer) ratio=\(ratio) ok=\(ok) n=\(UInt8(n % 256)) small=\(small)")
                #log(log, .notice, "<\(peer)\(String(n))>")
                #trace(log, "tab\there \u{1F600} quote\" \(sub) back\\slash")
                #debug(log, #"raw \n \#(peer) "\#(n)""#)
                #log(log, .warning, "optional=\(optional as Int?) described=\(described) plain=\(plain) huge=\(huge)")
                #log(log, .error, """
                    first \(peer)
                      second \(n)
                    """)
                #critical(log, "no values at all")
                #info(log, "with fields \(n)", metadata: ["n": "\(n)", "peer": "\(peer)"])
            } else {
                log.info("connected id=\(id) peer=\(peer) ratio=\(ratio) ok=\(ok) n=\(UInt8(n % 256)) small=\(small)")
                log.log(level: .notice, "<\(peer)\(String(n))>")
                log.trace("tab\there \u{1F600} quote\" \(sub) back\\slash")
                log.debug(#"raw \n \#(peer) "\#(n)""#)
                log.warning("optional=\(optional as Int?) described=\(described) plain=\(plain) huge=\(huge)")
                log.error("""
                    first \(peer)
                      second \(n)
                    """)
                log.critical("no values at all")
                log.info("with fields \(n)", metadata: ["n": "\(n)", "peer": "\(peer)"])
            }
        }
    }

    func testAMacroWritesTheLoggersLineInEveryFormat() throws {
        for format in SluiceConfiguration.Format.allCases {
            let configuration = SluiceConfiguration(level: .trace, format: format)
            let byLogger = try logged(configuration) { Self.calls($0, macros: false) }
            let byMacro = try logged(configuration) { Self.calls($0, macros: true) }
            assertSame(byMacro, byLogger, "\(format)")
        }
        let byLogger = try loggedToSyslog { Self.calls($0, macros: false) }
        let byMacro = try loggedToSyslog { Self.calls($0, macros: true) }
        assertSame(byMacro, byLogger, "syslog")
    }

    func testASynchronousCoreAndAFlightRecorderWriteTheLoggersLinesToo() throws {
        // At info, the trace and debug calls are kept by the flight recorder and recalled by each
        // error. Values that fit a kept slot: a record cut to fit is cut by its bytes, which a
        // format id makes fewer, so its cut and its marker's counts are its own.
        let peers = Self.peers.filter { $0.utf8.count < 256 }
        let configuration = SluiceConfiguration(level: .info, asynchronous: false, format: .json, flightRecorder: 16)
        let byLogger = try logged(configuration) { Self.calls($0, macros: false, peers: peers) }
        let byMacro = try logged(configuration) { Self.calls($0, macros: true, peers: peers) }
        XCTAssertEqual(byMacro.filter { $0.contains(#""recalled":true"#) }.count, 2 * peers.count, "each error's trace and debug")
        assertSame(byMacro, byLogger, "synchronous, flight recorder", records: 8 * peers.count)
    }

    /// A line a record (a datagram for syslog), the macros' the same as the logger's, byte for
    /// byte; the first that differs is shown.
    func assertSame(_ byMacro: [String], _ byLogger: [String], _ format: String, records: Int = 8 * peers.count, line: UInt = #line) {
        XCTAssertEqual(byMacro.count, records, "\(format): a line a record", line: line)
        XCTAssertEqual(byMacro.count, byLogger.count, "\(format)", line: line)
        if let first = zip(byMacro, byLogger).first(where: { $0 != $1 }) {
            XCTFail("\(format): the macro wrote\n\(first.0)\nthe logger\n\(first.1)", line: line)
        }
    }

    func testBelowTheLevelNoValueIsEvaluatedAndTheCallIsCounted() throws {
        var evaluated = 0
        func value() -> Int {
            evaluated += 1
            return evaluated
        }
        let path = temporaryLogPath(self)
        let core = try SluiceCore(SluiceConfiguration(level: .info, destination: .file(path)))
        let log = core.logger("quiet")
        for _ in 0..<10 {
            #debug(log, "never \(value())")
            #trace(log, "never \(value())")
            #log(log, .debug, "never \(value())")
        }
        #info(log, "once \(value())")
        XCTAssertEqual(evaluated, 1)
        XCTAssertEqual(core.stats.modules["quiet"]?.filtered, 30)
        core.close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.dropFirst(28) }, ["INFO quiet: once 1"])
    }

    func testASamplingMacroKeepsTheLoggersShareAndNeverSamplesWarnings() throws {
        var evaluated = 0
        func value() -> Int {
            evaluated += 1
            return evaluated
        }
        let configuration = SluiceConfiguration(level: .trace, moduleSampleRates: ["api": 0.1])
        func run(macros: Bool) throws -> [String] {
            try logged(configuration) { log in
                let sampled = SamplingLogger(log, sampleRate: 0.1)
                for n in 0..<100 {
                    if macros {
                        #debug(sampled, "enqueue n=\(n) v=\(value())", key: "enqueue")
                        #log(sampled, .warning, "slow n=\(n)", key: "enqueue")
                        #info(sampled, "other n=\(n)", key: "other")
                    } else {
                        sampled.debug("enqueue n=\(n) v=\(value())", key: "enqueue")
                        sampled.warning("slow n=\(n)", key: "enqueue")
                        sampled.info("other n=\(n)", key: "other")
                    }
                }
            }
        }
        let byMacro = try run(macros: true)
        XCTAssertEqual(evaluated, 10, "10% is exactly 10 of 100, and only those evaluate their values")
        evaluated = 0
        XCTAssertEqual(byMacro, try run(macros: false))
        XCTAssertEqual(byMacro.filter { $0.contains("slow") }.count, 100)
        XCTAssertEqual(byMacro.filter { $0.contains("enqueue") }.count, 10)
        XCTAssertEqual(byMacro.filter { $0.contains("other") }.count, 10)
    }

    /// A generic context has no static of a call site's own: the site's key finds its format.
    func logGenerically<Value: Equatable>(_ log: SluiceLogger, _ value: Value) {
        #info(log, "generic \(value)")
    }

    func failing(_ fail: Bool) throws -> Int {
        if fail { throw CocoaError(.featureUnsupported) }
        return 7
    }

    func later() async -> String { "awaited" }

    func testMacrosWorkInGenericThrowingAndAsyncContexts() async throws {
        let lines = try logged(SluiceConfiguration(level: .trace, format: .logfmt)) { log in
            logGenerically(log, 1)
            logGenerically(log, "two")
            let closure = { (n: Int) in #debug(log, "in a closure \(n)") }
            closure(3)
            try #info(log, "thrown \(try failing(false))")
            XCTAssertThrowsError(try #info(log, "never \(try failing(true))"))
        }
        XCTAssertEqual(lines.map { $0.components(separatedBy: "msg=").last ?? "" }, [
            #""generic 1""#, #""generic two""#, #""in a closure 3""#, #""thrown 7""#,
        ])
        let path = temporaryLogPath(self)
        let core = try SluiceCore(SluiceConfiguration(level: .trace, destination: .file(path)))
        let log = core.logger("async")
        await #info(log, "async \(await later())")
        core.close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.dropFirst(28) }, ["INFO async: async awaited"])
    }

    func testALoggerMadeByAnExpressionIsMadeOnceAndALiteralPastAFormatGoesThroughTheLogger() throws {
        var made = 0
        let v = 1
        let lines = try logged(SluiceConfiguration(level: .trace, format: .logfmt)) { log in
            func logger() -> SluiceLogger {
                made += 1
                return log
            }
            #info(logger(), "made \(made)")
            // 257 values, past a format's 256: the macro expands to the logger's own call.
            #info(log, "\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)")
            log.info("\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)\(v)")
        }
        XCTAssertEqual(made, 1)
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasSuffix(#"msg="made 1""#), lines[0])
        XCTAssertEqual(lines[1], lines[2])
        XCTAssertTrue(lines[1].contains(String(repeating: "1", count: 257)), lines[1])
    }

    func testTheSourceLocationIsTheMacrosUse() throws {
        let path = temporaryLogPath(self)
        let core = try SluiceCore(SluiceConfiguration(level: .trace, destination: .file(path), format: .json, sourceLocation: true))
        let log = core.logger("located")
        let here = #line; #info(log, "located \(here)")
        let there = #line; #info(log, SluiceMessage("not a literal \(there)"))  // through the logger
        core.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for line in lines {
            let fields = try JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
            let line = String(line)
            guard case .string(let message) = fields["msg"], let number = Int(message.split(separator: " ").last ?? "") else {
                return XCTFail("no message: \(line)")
            }
            XCTAssertEqual(fields["line"], .number(Double(number)), line)
            XCTAssertEqual(fields["file"], .string("SluiceMacrosTests/LogMacroTests.swift"), line)
            XCTAssertEqual(fields["function"], .string("testTheSourceLocationIsTheMacrosUse()"), line)
        }
    }

    func testASiteRegistersItsFormatOnceAndIsFoundByItsKey() {
        var built = 0
        func pieces() -> [StaticString] {
            built += 1
            return ["site once id=", ""]
        }
        let first = SluiceFormat(site: "13:site once id=0:", pieces: pieces())
        let again = SluiceFormat(site: "13:site once id=0:", pieces: pieces())
        let other = SluiceFormat(site: "14:site other id=0:", pieces: ["site other id=", ""])
        XCTAssertNotEqual(first.id, 0)
        XCTAssertEqual(again.id, first.id)
        XCTAssertNotEqual(other.id, first.id)
        XCTAssertEqual(built, 1, "a site's pieces are made at its first call alone")
    }
}

/// A Unix datagram socket bound at a path, for a syslog sink to send to, drained by a thread of
/// its own as the datagrams come (a socket holds a few only): what it received.
final class DatagramReceiver: @unchecked Sendable {  // datagrams and stopped: under lock
    let fd: Int32
    let lock = NSLock()
    var datagrams: [String] = []
    var stopped = false
    let done = DispatchSemaphore(value: 0)

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var wait = timeval(tv_sec: 0, tv_usec: 50_000)  // how often the thread looks whether it is stopped
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        Thread { self.drain() }.start()
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            lock.lock()
            if n > 0 { datagrams.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
            let stop = n <= 0 && stopped
            lock.unlock()
            if stop { break }
        }
        done.signal()
    }

    /// Every datagram sent before the call, in order: the thread stops once the socket is empty.
    func received() -> [String] {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
        return datagrams
    }

    func close() {
        _ = Glibc.close(fd)
    }
}

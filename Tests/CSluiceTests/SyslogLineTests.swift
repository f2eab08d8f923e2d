import CSluice
import CSluiceTestSeams
import Foundation
import SluiceTestSupport
import XCTest

/// RFC 5424 lines from the syslog sink, received on a Unix datagram socket of the
/// test's own and checked by a strict parser: no input gets out of its message, its
/// structured data or its line.
final class SyslogLineTests: XCTestCase {
    /// A Unix datagram socket bound in /tmp (or a UDP socket on loopback), read without blocking.
    final class Receiver {
        let path = "/tmp/sluice-syslog-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let fd: Int32
        /// The sink's address for it.
        let url: String

        init(udp: Bool = false) throws {
            let fd = socket(udp ? AF_INET : AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            self.fd = fd
            if udp {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                var size = socklen_t(MemoryLayout<sockaddr_in>.size)
                let bound = withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) == 0 && getsockname(fd, $0, &size) == 0 }
                }
                guard bound else { throw XCTSkip("cannot bind a UDP socket on loopback: errno \(errno)") }
                var room: Int32 = 8 << 20  // past rmem_max as root; the default otherwise
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &room, socklen_t(MemoryLayout<Int32>.size))
                url = "udp://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
                return
            }
            url = "unix://" + path
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                path.utf8CString.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(raw.count))) }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else { throw XCTSkip("cannot bind \(path): errno \(errno)") }
        }

        deinit {
            close(fd)
            unlink(path)
        }

        /// Every datagram waiting.
        func drain() -> [[UInt8]] {
            var received: [[UInt8]] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n < 0 { return received }
                received.append(Array(buffer[0..<n]))
            }
        }
    }

    /// A line parsed by RFC 5424's grammar; nil (and a failure) where it breaks it.
    struct Line {
        var pri: Int
        var structuredData: [(id: String, params: [(String, String)])]
        var message: [UInt8]
    }

    static func parse(_ bytes: [UInt8]) -> Line? {
        var i = 0
        func take(_ byte: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }
        func token() -> String? {  // 1*PRINTUSASCII up to SP
            let start = i
            while i < bytes.count, bytes[i] > 32, bytes[i] < 127 { i += 1 }
            return i > start ? String(decoding: bytes[start..<i], as: UTF8.self) : nil
        }
        func name() -> String? {  // SD-NAME: 1*32 PRINTUSASCII except = SP ] "
            let start = i
            while i < bytes.count, bytes[i] > 32, bytes[i] < 127, ![UInt8(ascii: "="), UInt8(ascii: "]"), UInt8(ascii: "\"")].contains(bytes[i]) { i += 1 }
            return (1...32).contains(i - start) ? String(decoding: bytes[start..<i], as: UTF8.self) : nil
        }
        guard take(UInt8(ascii: "<")) else { return nil }
        let priStart = i
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
        guard let pri = Int(String(decoding: bytes[priStart..<i], as: UTF8.self)), pri <= 191, take(UInt8(ascii: ">")),
              take(UInt8(ascii: "1")), take(32)
        else { return nil }
        for _ in 0..<5 {  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
            guard token() != nil, take(32) else { return nil }
        }
        var elements: [(id: String, params: [(String, String)])] = []
        while take(UInt8(ascii: "[")) {
            guard let id = name() else { return nil }
            var params: [(String, String)] = []
            while take(32) {
                guard let key = name(), take(UInt8(ascii: "=")), take(UInt8(ascii: "\"")) else { return nil }
                var value: [UInt8] = []
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "]") { return nil }  // must be escaped
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { value.append(bytes[i + 1]); i += 2; continue }
                    value.append(bytes[i])
                    i += 1
                }
                guard take(UInt8(ascii: "\"")) else { return nil }
                params.append((key, String(decoding: value, as: UTF8.self)))
            }
            guard take(UInt8(ascii: "]")) else { return nil }
            elements.append((id, params))
        }
        guard !elements.isEmpty, take(32) else { return nil }
        return Line(pri: pri, structuredData: elements, message: Array(bytes[i...]))
    }

    /// A record too large for one datagram (EMSGSIZE) is cut to the transport's limit, with
    /// the truncation marker; the records before and after it in the same batch are sent.
    func testAnOversizedRecordIsCutToTheTransportsLimitAndItsNeighboursAreSent() throws {
        for udp in [true, false] {
            let receiver = try Receiver(udp: udp)
            let core = try openCore(path: receiver.url) { _ in }
            let module = sluice_module(core.pointer, "big")
            let neighbours = udp ? 50 : 4  // a Unix socket queues ten datagrams unread
            sluice_test_pause_writers(1)  // one batch: every record below is in the ring before it
            for i in 0..<neighbours { log(core, module, "before \(i)") }
            log(core, module, "é" + String(repeating: "y", count: udp ? 100_000 : 250_000))  // past a Unix socket's buffer
            for i in 0..<neighbours { log(core, module, "after \(i)") }
            sluice_test_pause_writers(0)
            sluice_flush(core.pointer, -1)
            let c = counters(core)
            sluice_free(core.pointer)
            let lines = receiver.drain().map { String(decoding: $0, as: UTF8.self) }
            let transport = udp ? "UDP" : "a Unix socket"
            XCTAssertEqual(lines.count, 2 * neighbours + 1, transport)
            XCTAssertEqual(lines.filter { $0.hasSuffix(" after \(neighbours - 1)") }.count, 1, "\(transport): the last one arrived")
            let cut = try XCTUnwrap(lines.first { $0.contains("éyyy") }, transport)
            XCTAssertLessThanOrEqual(cut.utf8.count, 65_507, transport)
            XCTAssertNotNil(cut.range(of: #" \[sluice: truncated to \d+ of \d+ bytes\]$"#, options: .regularExpression), "\(transport): \(cut.suffix(60))")
            XCTAssertEqual(c.written, UInt64(2 * neighbours + 1), transport)
            XCTAssertEqual(c.dropped, 0, transport)
        }
    }

    func testTheHostileCorpusAndMalformedFieldsGiveStrictRFC5424LinesWithTheMessageEscapedAsText() throws {
        let receiver = try Receiver()
        let core = try openCore(path: receiver.url) { options in
            options.syslog_facility = 16  // local0
        }
        defer { sluice_free(core.pointer) }
        let module = sluice_module(core.pointer, "hostile ] \"module\"")
        var random = SplitMix(seed: 0x5_1061)
        var records: [(bytes: [UInt8], segments: Bool, message: [UInt8])] = []
        for bytes in hostileCorpus {
            records.append((bytes, false, bytes))
            var s = Segments()  // the bytes as message, as a key and value, and nested
            s.tagged(SLUICE_SEGMENT_TEXT, bytes)
            s.tag(SLUICE_SEGMENT_FIELDS)
            s.tagged(SLUICE_SEGMENT_SOURCE, bytes)
            s.tagged(SLUICE_SEGMENT_KEY, bytes)
            s.tagged(SLUICE_SEGMENT_TEXT, bytes)
            s.key("nested"); s.tag(SLUICE_SEGMENT_ARRAY); s.tagged(SLUICE_SEGMENT_TEXT, bytes); s.tag(SLUICE_SEGMENT_END)
            records.append((s.bytes, true, bytes))
        }
        for _ in 0..<1000 {  // cut and mutated fields
            var s = FormatTests.everyKindOfField
            if random.next() % 2 == 0 {
                s.bytes = Array(s.bytes.prefix(Int(random.next() % UInt64(s.bytes.count))))
            } else {
                s.bytes[Int(random.next() % UInt64(s.bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            records.append((s.bytes, true, []))
        }
        var lines: [[UInt8]] = []
        for record in records {
            record.bytes.withUnsafeBytes { b in
                _ = record.segments
                    ? sluice_log_segments(core.pointer, Int32(SLUICE_ERROR), module, b.baseAddress, b.count)
                    : sluice_log(core.pointer, Int32(SLUICE_ERROR), module, b.baseAddress?.assumingMemoryBound(to: CChar.self), b.count)
            }
            sluice_flush(core.pointer, -1)  // one at a time: a Unix socket queues only a few datagrams
            lines += receiver.drain()
        }
        XCTAssertEqual(lines.count, records.count, "one datagram per record")
        for (index, (line, record)) in zip(lines, records).enumerated() {
            assertOneSafeLine(line, "record \(index)")
            guard let parsed = Self.parse(line) else {
                XCTFail("record \(index) breaks RFC 5424: \(String(decoding: line, as: UTF8.self))")
                continue
            }
            XCTAssertEqual(parsed.pri, 16 * 8 + 3, "local0, error")
            XCTAssertEqual(parsed.structuredData.first?.id, "sluice@32473")
            XCTAssertEqual(parsed.structuredData.first?.params.first?.1, "hostile ] \"module\"", "the module's name comes back")
            if index < 2 * hostileCorpus.count {
                XCTAssertTrue(parsed.message.starts(with: escapedReference(record.message)), "record \(index): the message as text escapes it")
            }
        }
    }
}

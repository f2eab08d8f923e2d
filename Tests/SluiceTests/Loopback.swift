import Foundation
import XCTest

/// Loopback sockets for the tests that run a real daemon (rsyslogd, prometheus) or serve it.
enum Loopback {
    static func address(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// A TCP connection to port, or -1.
    static func connected(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = address(port)
        let done = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if done { return fd }
        close(fd)
        return -1
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = connected(port)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }

    /// A port the kernel just handed out for `type` on loopback.
    static func freePort(type: __socket_type) throws -> Int {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        defer { close(fd) }
        var address = address(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw XCTSkip("no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Writes all of bytes, however many writes it takes; false if one fails.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// The body of `GET path` from port, or nil (HTTP/1.0: the server closes when done).
    static func get(_ port: Int, _ path: String) -> String? {
        let fd = connected(port)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard writeAll(fd, Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)) else { return nil }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            response += buffer[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200"), let body = text.range(of: "\r\n\r\n") else {
            return nil
        }
        return String(text[body.upperBound...])
    }
}

/// A loopback HTTP endpoint that answers every request with `body()`: a service's /metrics.
final class MetricsEndpoint: @unchecked Sendable {  // fd is written once, before the thread starts
    let port: Int
    private let fd: Int32
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Loopback.address(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 && listen(fd, 16) == 0
            }
        }
        guard listening else {
            close(fd)
            throw XCTSkip("cannot listen on loopback")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let done = done
        Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { break }  // shut down
                var request = [UInt8](repeating: 0, count: 4096)
                _ = read(client, &request, request.count)  // one GET; its content does not matter
                let text = body()
                let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                    + "Content-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n" + text
                Loopback.writeAll(client, Array(response.utf8))
                close(client)
            }
            done.signal()
        }.start()
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        done.wait()
        close(fd)
    }
}

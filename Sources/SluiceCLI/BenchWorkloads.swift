import Foundation
import Logging
import Sluice

/// The workloads, exactly as published runs define them.
enum Workload: String, CaseIterable, Sendable {
    case w1 = "W1"  // one producer logs records
    case w2 = "W2"  // four producers, released together
    case w3 = "W3"  // DEBUG calls while the level is INFO: nothing written
    case w4 = "W4"  // DEBUG calls through a sampling logger at 1%

    var threads: Int { self == .w2 ? 4 : 1 }
    var measuresLatency: Bool { self == .w1 || self == .w2 }
}

/// Who logs: Sluice, Sluice behind swift-log's API, or swift-log's stock stream handler.
enum Peer: String, CaseIterable, Sendable {
    case sluice = "sluice"
    case sluiceSwiftLog = "sluice-swiftlog"
    case swiftLogStream = "swiftlog-stream"
}

let operations = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "LIST", "SCAN"]

/// `x` of record i: exact and short in every representation.
@inline(__always)
func latency(_ i: Int) -> Double {
    Double((i &* 2_654_435_761) % 1_000_000) / 8
}

/// One log call of a workload, for one peer; made once per run.
struct Caller: @unchecked Sendable {  // each field is safe to call from any thread
    let call: (Int) -> Void
    /// Hands every record to the kernel and closes the sink; returns the records dropped.
    let finish: () -> UInt64
}

func makeCaller(peer: Peer, workload: Workload, path: String) throws -> Caller {
    switch peer {
    case .sluice, .sluiceSwiftLog:
        let level: Logger.Level = workload == .w4 ? .debug : .info
        let core = try SluiceCore(.init(overflow: .block, path: path, level: level))
        let finish = { () -> UInt64 in
            core.close()
            return core.counters.dropped
        }
        if peer == .sluiceSwiftLog {
            var logger = Logger(label: "bench") { SluiceLogHandler(label: $0, core: core) }
            logger.logLevel = level
            return Caller(call: swiftLogCall(logger, workload), finish: finish)
        }
        let log = core.logger("bench")
        switch workload {
        case .w1, .w2:
            return Caller(call: { i in log.info("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }, finish: finish)
        case .w3:
            return Caller(call: { i in log.debug("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }, finish: finish)
        case .w4:
            let sampled = SamplingLogger(log, sampleRate: 0.01)
            return Caller(
                call: { i in sampled.debug("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))", key: "request") },
                finish: finish)
        }
    case .swiftLogStream:
        let stream = try FileStream(path: path)
        var logger = Logger(label: "bench") { StreamLogHandler(label: $0, stream: stream) }
        logger.logLevel = workload == .w4 ? .debug : .info
        return Caller(call: swiftLogCall(logger, workload), finish: {
            stream.close()
            return 0
        })
    }
}

/// The swift-log form of each workload. swift-log has no sampling: W4 samples as a
/// swift-log user would, one call in 100 by a counter of the caller's.
private func swiftLogCall(_ logger: Logger, _ workload: Workload) -> (Int) -> Void {
    switch workload {
    case .w1, .w2:
        return { i in logger.info("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
    case .w3:
        return { i in logger.debug("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
    case .w4:
        return { i in
            if i % 100 == 0 { logger.debug("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
        }
    }
}

/// swift-log's stock stdio stream, on a file: lock, fwrite, unlock, and fflush every record.
final class FileStream: TextOutputStream, @unchecked Sendable {  // the FILE lock serializes writers
    private let file: UnsafeMutablePointer<FILE>

    init(path: String) throws {
        guard let file = fopen(path, "a") else {
            throw ValidationErrorMessage("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.file = file
    }

    func write(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            flockfile(file)
            _ = fwrite(bytes.baseAddress, 1, bytes.count, file)
            funlockfile(file)
        }
        fflush(file)
    }

    func close() {
        fclose(file)
    }
}

struct ValidationErrorMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import CoreMetrics
import Foundation
import Logging
import Sluice
import SluiceMacros
import SluiceMetrics
import Synchronization

/// The workloads, exactly as published runs define them.
enum Workload: String, CaseIterable, Sendable {
    case w1 = "W1"  // one producer logs records
    case w2 = "W2"  // four producers, released together
    case w3 = "W3"  // DEBUG calls while the level is INFO: nothing written
    case w4 = "W4"  // DEBUG calls through a sampling logger at 1%

    /// Producers: W2's default is four (`--threads` sets another).
    func threads(w2 producers: Int) -> Int { self == .w2 ? producers : 1 }
    var measuresLatency: Bool { self == .w1 || self == .w2 }
}

/// Who logs: Sluice, Sluice behind swift-log's API, or swift-log's stock stream handler;
/// on request only, Sluice with call timing off, to price the call-latency histogram, and
/// Sluice writing logfmt or JSON lines, to price each format against text, and Sluice writing
/// a second file (JSON beside the text), to price a second sink, Sluice writing RFC 5424
/// syslog to a receiver, Sluice with a flight recorder of 10,000 records (W3 prices keeping
/// a filtered call), Sluice with its ring in a file for `sluice recover` (recoverable), Sluice
/// read by the swift-metrics bridge every millisecond (ten thousand times its usual rate), and
/// Sluice behind swift-log with a metadata provider that adds a trace id to every call, the
/// same context (a request id attached, the trace id provided) on a native logger and on
/// swift-log (sluice-context, sluice-swiftlog-context), and swift-log with a handler that
/// drops every event (what swift-log itself costs a call).
/// And the floors Sluice is held to in the same run: write-ceiling, plain write() calls of
/// the lines Sluice renders for the workload in the writer's 256 KiB batches (W1, W2: the
/// sink's own limit), and c-level-check, a C loop that only loads a level word and compares
/// (W3), and c-level-count, that loop keeping an exact count in memory as Sluice does.
enum Peer: String, CaseIterable, Sendable {
    case sluice = "sluice"
    case sluiceSwiftLog = "sluice-swiftlog"
    case swiftLogStream = "swiftlog-stream"
    case sluiceUntimed = "sluice-untimed"
    case sluiceLogfmt = "sluice-logfmt"
    case sluiceJSON = "sluice-json"
    case sluiceTwoSinks = "sluice-2sinks"
    case sluiceSyslog = "sluice-syslog"
    case sluiceFlight = "sluice-flight"
    case sluiceRecoverable = "sluice-recoverable"
    case sluiceMetrics = "sluice-metrics"
    case sluiceSwiftLogTraced = "sluice-swiftlog-traced"
    case sluiceContext = "sluice-context"
    case sluiceMacro = "sluice-macro"
    case sluiceSwiftLogContext = "sluice-swiftlog-context"
    case swiftLogNoOp = "swiftlog-noop"
    case writeCeiling = "write-ceiling"
    case cLevelCheck = "c-level-check"
    case cLevelCount = "c-level-count"

    /// The peers of a run that names none.
    static let standard: [Peer] = [.sluice, .sluiceSwiftLog, .swiftLogStream]

    /// A floor Sluice is measured against, not a logger.
    var isFloor: Bool { self == .writeCeiling || self == .cLevelCheck || self == .cLevelCount }

    /// Whether the peer has a run of workload: the floors price only their own.
    func runs(_ workload: Workload) -> Bool {
        switch self {
        case .writeCeiling: workload == .w1 || workload == .w2
        case .cLevelCheck, .cLevelCount: workload == .w3
        default: true
        }
    }
}

let operations = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "LIST", "SCAN"]

/// `x` of record i: exact and short in every representation.
@inline(__always)
func latency(_ i: Int) -> Double {
    Double((i &* 2_654_435_761) % 1_000_000) / 8
}

/// One log call of a workload. Loops over it are generic, so each is specialized
/// for its call: the timed region holds the call itself, not a closure dispatch.
protocol LogCall {
    func call(_ i: Int)
}

struct SluiceInfo: LogCall {
    let log: SluiceLogger
    @inline(__always) func call(_ i: Int) { log.info("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
}

/// The W1 call as a log macro writes it: its text registered once per call site, the values alone.
struct SluiceMacroInfo: LogCall {
    let log: SluiceLogger
    @inline(__always) func call(_ i: Int) { #info(log, "request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
}

struct SluiceMacroDebug: LogCall {
    let log: SluiceLogger
    @inline(__always) func call(_ i: Int) { #debug(log, "request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
}

struct SluiceMacroSampledDebug: LogCall {
    let log: SamplingLogger
    @inline(__always) func call(_ i: Int) {
        #debug(log, "request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))", key: "request")
    }
}

struct SluiceDebug: LogCall {
    let log: SluiceLogger
    @inline(__always) func call(_ i: Int) { log.debug("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
}

struct SluiceSampledDebug: LogCall {
    let log: SamplingLogger
    @inline(__always) func call(_ i: Int) {
        log.debug("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))", key: "request")
    }
}

struct SwiftLogInfo: LogCall {
    let logger: Logger
    @inline(__always) func call(_ i: Int) { logger.info("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
}

struct SwiftLogDebug: LogCall {
    let logger: Logger
    @inline(__always) func call(_ i: Int) { logger.debug("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
}

/// swift-log has no sampling: W4 logs one call in 100, by a counter of the caller's.
struct SwiftLogEveryHundredth: LogCall {
    let logger: Logger
    @inline(__always) func call(_ i: Int) {
        if i % 100 == 0 { logger.debug("request id=\(i) op=\(operations[i & 7]) latency_us=\(latency(i))") }
    }
}

/// A peer's workload, ready to run: plain, timed per call, and finished.
struct Runner: @unchecked Sendable {  // each closure is safe to call from any thread
    let run: (Range<Int>) -> Void
    let runTimed: (Range<Int>, UnsafeMutableBufferPointer<UInt64>) -> Void
    /// Hands every record to the kernel and closes the sink; returns the records dropped.
    let finish: () -> UInt64

    init<Call: LogCall>(_ call: Call, finish: @escaping () -> UInt64) {
        run = { range in
            for i in range { call.call(i) }
        }
        runTimed = { range, samples in
            var k = 0
            for i in range {
                let before = monotonicNanoseconds()
                call.call(i)
                samples[k] = monotonicNanoseconds() &- before
                k &+= 1
            }
        }
        self.finish = finish
    }
}

func makeRunner(peer: Peer, workload: Workload, path: String, syslog: String? = nil) throws -> Runner {
    switch peer {
    case .sluice, .sluiceSwiftLog, .sluiceUntimed, .sluiceLogfmt, .sluiceJSON, .sluiceTwoSinks, .sluiceSyslog,
        .sluiceFlight, .sluiceRecoverable, .sluiceMetrics, .sluiceSwiftLogTraced, .sluiceContext, .sluiceSwiftLogContext, .sluiceMacro:
        let level: Logger.Level = workload == .w4 ? .debug : .info
        let untimed = peer == .sluiceUntimed
        let format: SluiceConfiguration.Format = peer == .sluiceJSON ? .json : peer == .sluiceLogfmt ? .logfmt : .text
        let second = peer == .sluiceTwoSinks ? [SluiceConfiguration.Sink(.file(path + ".second"), format: .json)] : []
        let destination: SluiceConfiguration.Destination = peer == .sluiceSyslog ? .syslog(syslog ?? "") : .file(path)
        let core = try SluiceCore(.init(
            level: level, destination: destination, overflow: .block, callTimingEvery: untimed ? 0 : nil, format: format,
            moreSinks: second, flightRecorder: peer == .sluiceFlight ? 10_000 : nil,
            recoverable: peer == .sluiceRecoverable))
        let polling = peer == .sluiceMetrics ? MetricsPolling(core) : nil
        let finish = { () -> UInt64 in
            polling?.stop()
            core.close()
            return core.counters.dropped
        }
        // The context peers: a request's id attached to the logger, and a trace id from the provider.
        let context = peer == .sluiceContext || peer == .sluiceSwiftLogContext
        if peer == .sluiceSwiftLog || peer == .sluiceSwiftLogTraced || peer == .sluiceSwiftLogContext {
            let provider = peer == .sluiceSwiftLog ? nil : BenchTrace.provider
            var logger = Logger(label: "bench") { SluiceLogHandler(label: $0, core: core, metadataProvider: provider) }
            logger.logLevel = level
            if context { logger[metadataKey: "request"] = "r-17" }
            let runner = swiftLogRunner(logger, workload, finish: finish)
            return provider == nil ? runner : Runner(tracing: runner)
        }
        var log = core.logger("bench")
        if context {
            log.metadataProvider = BenchTrace.provider
            log[metadataKey: "request"] = "r-17"
        }
        let runner: Runner
        switch workload {
        case .w1 where peer == .sluiceMacro, .w2 where peer == .sluiceMacro: runner = Runner(SluiceMacroInfo(log: log), finish: finish)
        case .w3 where peer == .sluiceMacro: runner = Runner(SluiceMacroDebug(log: log), finish: finish)
        case .w4 where peer == .sluiceMacro:
            runner = Runner(SluiceMacroSampledDebug(log: SamplingLogger(log, sampleRate: 0.01)), finish: finish)
        case .w1, .w2: runner = Runner(SluiceInfo(log: log), finish: finish)
        case .w3: runner = Runner(SluiceDebug(log: log), finish: finish)
        case .w4: runner = Runner(SluiceSampledDebug(log: SamplingLogger(log, sampleRate: 0.01)), finish: finish)
        }
        return context ? Runner(tracing: runner) : runner
    case .writeCeiling, .cLevelCheck, .cLevelCount:
        throw ValidationErrorMessage("\(peer.rawValue) is a floor, measured by measureFloor, not a logger")
    case .swiftLogNoOp:
        var logger = Logger(label: "bench") { _ in DiscardingHandler() }
        logger.logLevel = workload == .w4 ? .debug : .info
        return swiftLogRunner(logger, workload) { 0 }
    case .swiftLogStream:
        let stream = try FileStream(path: path)
        var logger = Logger(label: "bench") { StreamLogHandler(label: $0, stream: stream) }
        logger.logLevel = workload == .w4 ? .debug : .info
        return swiftLogRunner(logger, workload) {
            stream.close()
            return 0
        }
    }
}

/// A swift-log handler that takes every event at its level and does nothing with it: swift-log's
/// own part of a call (the level check, the message, the event), for the handlers beside it.
struct DiscardingHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {}
}

/// A trace id in a task-local value, as a tracing library keeps it (ServiceContext), and the
/// metadata provider that puts it in every record: what trace ids in every line cost.
enum BenchTrace {
    @TaskLocal static var id: String?
    static let provider = Logger.MetadataProvider {
        guard let id else { return [:] }
        return ["trace_id": .string(id)]
    }
}

extension Runner {
    /// inner's loops, each inside a trace: every call finds the trace id.
    init(tracing inner: Runner) {
        let id = "4bf92f3577b34da6a3ce929d0e0e4736"
        run = { range in BenchTrace.$id.withValue(id) { inner.run(range) } }
        runTimed = { range, samples in BenchTrace.$id.withValue(id) { inner.runTimed(range, samples) } }
        finish = inner.finish
    }
}

private func swiftLogRunner(_ logger: Logger, _ workload: Workload, finish: @escaping () -> UInt64) -> Runner {
    switch workload {
    case .w1, .w2: Runner(SwiftLogInfo(logger: logger), finish: finish)
    case .w3: Runner(SwiftLogDebug(logger: logger), finish: finish)
    case .w4: Runner(SwiftLogEveryHundredth(logger: logger), finish: finish)
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

/// The swift-metrics bridge reading a core every millisecond on a thread of its own, into
/// swift-metrics' no-op backend: what polling the counters costs the log call.
final class MetricsPolling: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    init(_ core: SluiceCore) {
        let bridge = SluiceMetricsBridge(core: core, factory: NOOPMetricsHandler.instance)
        Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                bridge.report()
                usleep(1000)
            }
            done.signal()
        }.start()
    }

    func stop() {
        stopped.store(true, ordering: .releasing)
        done.wait()
    }
}

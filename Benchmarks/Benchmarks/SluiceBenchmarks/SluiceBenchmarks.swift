// Micro-benchmarks of one log call. Each iteration is 1,000 calls; the writer
// drains to /dev/null so the figures are the caller's cost, not the disk's.
// Allocation counts are judged against "empty", the harness's own baseline.
import Benchmark
import Logging
import Sluice
import SluiceMacros

let operations = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "LIST", "SCAN"]

func openCore(level: Logger.Level = .info) -> SluiceCore {
    do {
        return try SluiceCore(.init(level: level, destination: .file("/dev/null"), queueBytes: 64 << 20, overflow: .block))
    } catch {
        fatalError("\(error)")
    }
}

/// Measures body alone, its records going into a ring the writer has emptied first, so that
/// no call waits for room and each figure is the caller's cost. Without the drain, a run filled
/// the ring within its first second and every later iteration measured the writer's pace.
func measureCalls(_ benchmark: Benchmark, _ core: SluiceCore, _ body: () -> Void) {
    core.flush()
    benchmark.startMeasurement()
    body()
    benchmark.stopMeasurement()
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    Benchmark("empty") { benchmark in
        for i in benchmark.scaledIterations { blackHole(i) }
    }

    let core = openCore()
    let log = core.logger("bench")

    Benchmark("native: request id op latency_us") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                log.info("request id=\(i) op=\(operations[i & 7]) latency_us=\(Double((i &* 2_654_435_761) % 1_000_000) / 8)")
            }
        }
    }

    // The same call as a log macro writes it: the text registered once per call site, the
    // values written by their types.
    Benchmark("macro: request id op latency_us") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                #info(log, "request id=\(i) op=\(operations[i & 7]) latency_us=\(Double((i &* 2_654_435_761) % 1_000_000) / 8)")
            }
        }
    }

    Benchmark("native: filtered (debug at info)") { benchmark in
        for i in benchmark.scaledIterations {
            log.debug("request id=\(i) op=\(operations[i & 7])")
        }
    }

    let sampledOut = SamplingLogger(log, sampleRate: 0)
    Benchmark("sampling: sampled out") { benchmark in
        for i in benchmark.scaledIterations {
            sampledOut.info("request id=\(i) op=\(operations[i & 7])", key: "request")
        }
    }

    let sampledIn = SamplingLogger(log, sampleRate: 1)
    Benchmark("sampling: sampled in") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                sampledIn.info("request id=\(i) op=\(operations[i & 7])", key: "request")
            }
        }
    }

    let kilobyte = String(repeating: "x", count: 1024)
    Benchmark("native: 1 KiB message") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                log.info("id=\(i) body=\(kilobyte)")
            }
        }
    }

    Benchmark("native: metadata") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                log.info("request", metadata: ["id": "\(i)", "op": "\(operations[i & 7])"])
            }
        }
    }

    // Metadata the caller built once: what Sluice itself allocates for a record's fields.
    let prebuilt: Logger.Metadata = ["id": "42", "op": "GET", "peer": ["host": "10.0.0.1", "port": "443"]]
    Benchmark("native: metadata built once") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                log.info("request \(i)", metadata: prebuilt)
            }
        }
    }

    // Metadata attached to the logger once (a request's context): its fields were encoded when
    // attached, so a call copies bytes and allocates nothing for them.
    var attached = core.logger("bench")
    attached[metadataKey: "request"] = "8c1f2a"
    attached[metadataKey: "attempt"] = .stringConvertible(2)
    attached[metadataKey: "retry"] = .stringConvertible(false)
    Benchmark("native: attached metadata") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                attached.info("request id=\(i) op=\(operations[i & 7])")
            }
        }
    }

    // The handler's metadata and the call's, written as one without a merged dictionary: the row's
    // one allocation is the call's dictionary literal, none is Sluice's.
    var swiftLogLayered = Logger(label: "bench.swiftlog") { SluiceLogHandler(label: $0, core: core) }
    swiftLogLayered[metadataKey: "request-id"] = "8c1f2a"
    Benchmark("swift-log on Sluice: handler and call metadata") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                swiftLogLayered.info("request id=\(i)", metadata: ["op": "\(operations[i & 7])"])
            }
        }
    }

    let swiftLog = Logger(label: "bench.swiftlog") { SluiceLogHandler(label: $0, core: core) }
    Benchmark("swift-log on Sluice: request id op latency_us") { benchmark in
        measureCalls(benchmark, core) {
            for i in benchmark.scaledIterations {
                swiftLog.info("request id=\(i) op=\(operations[i & 7]) latency_us=\(Double((i &* 2_654_435_761) % 1_000_000) / 8)")
            }
        }
    }
}

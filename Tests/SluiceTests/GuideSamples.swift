// The code samples of README.md and docs/*.md, compiled with the tests (never run: they
// bootstrap the process's logging), but for the capture's tests, which run. GuideSampleTests checks that every ```swift block of
// the guides appears here, line for line, so that no sample in a guide can stop compiling.
import Foundation
import Logging
import Sluice
import Synchronization
import Testing
import XCTest

private struct Response { var body = "" }
struct GuideJob { let id: Int; let attempt: Int }

func readmeQuickStart() throws {
    let id = 42, peer = "10.0.0.1", op = 2
    try Sluice.bootstrap()                                   // the default core, configured from the environment
    let log = Sluice.logger("resilient_websocket")           // a cheap value: make one per module
    log.info("connected id=\(id) peer=\(peer)")              // no String, no allocation, no I/O on this thread
    log.debug("frame", metadata: ["opcode": "\(op)"])        // below the level: nothing is evaluated
    let sampled = Sluice.samplingLogger("resilient_websocket")   // LOG_SAMPLE_RATE_RESILIENT_WEBSOCKET
    sampled.debug("enqueue id=\(id)", key: "enqueue")            // exactly 1 in 10 at rate 0.1
    LoggingSystem.bootstrap { label in SluiceLogHandler(label: label) }  // every swift-log Logger too
    Sluice.flush()
}

func shippingLogsJSONKeys() throws -> SluiceConfiguration {
    let gcp = SluiceConfiguration(format: .json, jsonKeys: try .googleCloud(project: "my-project"))
    return gcp
}

struct DeveloperGuideFormats {
    static let charged = SluiceFormat(["charged cents=", " card=", ""])  // once, in a static

    func logCharge(_ log: SluiceLogger, cents: Int, card: String) {
        if log.shouldLog(.info) {  // what log.info("charged cents=\(cents) card=\(card)") writes, by format id
            log.log(level: .info, format: Self.charged, size: cents.sluiceSegmentSize + card.sluiceSegmentSize) { at in
                cents.writeSluiceSegment(to: at)
                card.writeSluiceSegment(to: at + cents.sluiceSegmentSize)
            } message: { message in
                message.append(cents)
                message.append(card)
            }
        }
    }
}

func developerGuideLoggers() {
    let bytes = 512, elapsed = 0.25
    let log = Sluice.logger("billing")
    log.info("charged bytes=\(bytes) seconds=\(elapsed)")
    log.warning("retrying", metadata: ["attempt": "2", "gateway": "eu-1"])
    if log.level <= .debug {
        log.debug("cart \(String(describing: [1, 2, 3]))")
    }
}

func developerGuideContext(requestID: String, connection: Int, cents: Int, failure: any Error) {
    var log = Sluice.logger("payments")             // takes swift-log's bootstrapped metadata provider
    log[metadataKey: "request"] = "\(requestID)"     // attached once: encoded now, copied by each call
    log.info("charged cents=\(cents)")               // … request=8c1f2a trace_id=… (the provider's)
    log.error("declined", error: failure)           // … error.message=… error.type=…
    var frames = Sluice.samplingLogger("ws")
    frames[metadataKey: "connection"] = "\(connection)"
    frames.debug("frame", key: "frame")              // sampled, with the connection on every kept line
}

func developerGuideSampling(requestID: String, queued: Int) {
    let sampled = Sluice.samplingLogger("resilient_websocket")
    sampled.debug("enqueue queued=\(queued)", key: "enqueue")             // a literal key: costs nothing to make
    sampled.debug("request \(requestID) parsed", key: SamplingKey(requestID))  // a key built at run time
    sampled.error("send failed", key: "enqueue")                              // warning and above: never sampled
    sampled.sampled(key: "flush") { log in
        log.debug("flushed queued=\(queued)")  // the closure runs only on sampled-in calls
    }
    let everyTenth = SamplingLogger(Sluice.logger("resilient_websocket"), sampleRate: 0.1)
    everyTenth.info("heartbeat", key: "heartbeat")
}

func developerGuideSwiftLog() {
    LoggingSystem.bootstrap { label in SluiceLogHandler(label: label) }
    var logger = Logger(label: "com.example.payments")  // the label is the module
    logger[metadataKey: "tenant"] = "acme"
    logger.info("paid", metadata: ["amount": "12.50"])
    logger.error("declined", error: CocoaError(.featureUnsupported))  // error.message and error.type
}

func developerGuideShutdown() {
    if !Sluice.flush(timeout: .seconds(2)) {
        print("some records were still being written")
    }
    Sluice.close()  // writes everything, then later calls count as dropped after close
}

func developerGuideOwnCore() throws {
    let audit = try SluiceCore(SluiceConfiguration(destination: .file("/var/log/app/audit.log"), overflow: .block))
    audit.logger("audit").notice("user=ada action=export")
    audit.close()
}

func developerGuideRunTime() {
    let changed = Sluice.setLevel(.debug, module: "resilient_websocket")  // false only past the module table
    Sluice.setSampleRate(0.01, module: "resilient_websocket")
    print(changed)
    Sluice.resetLevel(module: "resilient_websocket")  // the configured level again
}

func developerGuideStats() {
    var response = Response()
    let stats = Sluice.stats                       // counters, modules, histograms with p50/p90/p99/p99.9
    print(stats.counters.dropped, stats.histograms[.callLatency]?.p99 ?? 0)
    response.body = stats.prometheusText()           // for an existing /metrics endpoint
    print(response.body.count)
}

func configurationGuideBootstrap() throws {
    try Sluice.bootstrap(configuration: SluiceConfiguration(
        level: .info,
        moduleLevels: ["resilient_websocket": .debug],
        moduleSampleRates: ["resilient_websocket": 0.1],
        destination: .file("/var/log/app/app.log"),
        queueBytes: 16 << 20,
        overflow: .drop))
}

func migrationFromStreamLogHandler() throws {
    // Before: LoggingSystem.bootstrap(StreamLogHandler.standardError)
    try Sluice.bootstrap()
    LoggingSystem.bootstrap { label in SluiceLogHandler(label: label) }
}

func migrationFromPython(job: GuideJob) {
    let log = Sluice.logger("resilient_websocket")
    let sampled = Sluice.samplingLogger("resilient_websocket")
    sampled.debug("enqueue id=\(job.id)", key: "enqueue")
    log.warning("duplicate message id=\(job.id)")
    sampled.sampled(key: "retry_requeue") { log in
        log.debug("requeued id=\(job.id) attempt=\(job.attempt)")
    }
}

func shippingLogsSeveralSinks() throws {
    try Sluice.bootstrap(configuration: SluiceConfiguration(
        destination: .file("/var/log/app/app.log"),
        format: .json,
        moreSinks: [.init(.standardError, level: .warning, format: .text)]))
}

func developerGuideSampledLogger(_ logger: Logger, opcode: Int) {
    let sampled = SampledLogger(logger)  // LOG_SAMPLE_RATE_<LABEL>, or the module's rate on Sluice
    sampled.debug("frame opcode=\(opcode)", key: "frame")
    sampled.sampled(key: "dump") { logger in logger.trace("state dumped") }
    let tenth = SampledLogger(logger, sampleRate: 0.1)
    tenth.info("heartbeat", key: "heartbeat")
}

// docs/developer-guide.md, "Logs a test can read": run with the other tests.
final class BillingLogTests: XCTestCase {
    func testADeclinedChargeIsLoggedAsAnErrorWithItsCard() throws {
        let capture = SluiceCapture()
        let core = try SluiceCore(capture.configuration(level: .debug))  // a core of the test's own
        core.logger("billing").error("declined", metadata: ["card": "visa"])
        core.flush()
        XCTAssertEqual(capture.records.map(\.level), [.error])
        XCTAssertEqual(capture.records.first?.metadata["card"], "visa")
    }
}

@Test func aRetryIsLoggedOnceAtWarning() throws {
    let capture = SluiceCapture()
    let core = try SluiceCore(capture.configuration())
    let logger = Logger(label: "payments") { SluiceLogHandler(label: $0, core: core) }
    logger.warning("retrying", metadata: ["attempt": "2"])
    core.flush()
    #expect(capture.records.map(\.message) == ["retrying"])
    #expect(capture.records.first?.metadata["attempt"] == "2")
}

// docs/shipping-logs.md, "Sinks of your own".
/// Posts each batch of JSON lines to a collector. The writer waits for the post:
/// give the client a short timeout, or hand the bytes to a queue of your own.
struct BatchPoster: SluiceSink {
    let post: @Sendable (Data) -> Bool  // your HTTP client's call
    func write(lines: UnsafeRawBufferPointer) -> Bool { post(Data(lines)) }
}

/// The last thousand lines, for a debug endpoint.
final class LastLines: SluiceSink {
    private let kept = Mutex<[String]>([])
    var lines: [String] { kept.withLock { $0 } }
    func write(lines: UnsafeRawBufferPointer) -> Bool {
        let batch = String(decoding: lines, as: UTF8.self).split(separator: "\n").map(String.init)
        kept.withLock { $0 = Array(($0 + batch).suffix(1_000)) }
        return true
    }
}

func shippingGuideSinks(post: @escaping @Sendable (Data) -> Bool, recent: LastLines) throws {
    try Sluice.bootstrap(configuration: SluiceConfiguration(moreSinks: [
        .init(.custom("collector", BatchPoster(post: post)), level: .info, format: .json),
        .init(.custom("recent", recent), level: .debug),
    ]))
}

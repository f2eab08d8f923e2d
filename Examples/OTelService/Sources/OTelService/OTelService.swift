import CoreMetrics
import Logging
import OTel
import ServiceLifecycle
import Sluice
import SluiceMetrics
import SluiceServiceLifecycle
import Tracing

/// A service that handles a few traced requests, logging in each, then waits for shutdown.
struct CheckoutService: Service {
    let logger: Logger

    func run() async throws {
        for order in 1...3 {
            try await withSpan("checkout") { _ in
                logger.info("charging", metadata: ["order": "\(order)"])  // … trace_id=… span_id=…
                try await Task.sleep(for: .milliseconds(10))
                logger.info("charged", metadata: ["order": "\(order)"])
            }
        }
        try? await gracefulShutdown()
    }
}

@main
enum OTelService {
    static func main() async throws {
        try Sluice.bootstrap()  // the ring, its file or stderr, LOG_LEVEL: from the environment

        var configuration = OTel.Configuration.default
        configuration.serviceName = "sluice-otel-example"  // OTEL_* variables override these
        let logs = try OTel.makeLoggingBackend(configuration: configuration)
        let traces = try OTel.makeTracingBackend(configuration: configuration)
        let metrics = try OTel.makeMetricsBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(traces.factory)
        MetricsSystem.bootstrap(metrics.factory)

        // Each Logger writes to Sluice and to OTLP. The multiplexed Logger's gate is the lowest
        // of both levels when it is made: a later `sluice level <pid> <module> debug` reaches a
        // Logger made after it (see docs/developer-guide.md, "Which level wins").
        LoggingSystem.bootstrap(
            { label, provider in
                MultiplexLogHandler([SluiceLogHandler(label: label, metadataProvider: provider), logs.factory(label)])
            },
            metadataProvider: OTel.makeLoggingMetadataProvider())  // trace_id and span_id in Sluice's lines

        let logger = Logger(label: "checkout")
        let group = ServiceGroup(
            services: [
                SluiceService(),  // first: it stops last, after everything else logged its last lines
                logs.service, traces.service, metrics.service,
                SluiceMetricsBridge(interval: .seconds(10)),  // Sluice's counters into the OTel metrics
                CheckoutService(logger: logger),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        try await group.run()
    }
}

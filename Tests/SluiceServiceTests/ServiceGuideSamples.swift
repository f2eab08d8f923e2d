// The samples of docs/running-in-a-service.md and of docs/configuration.md's swift-configuration
// section, compiled with these tests (never run: they bootstrap the process's logging and metrics). GuideSampleTests (SluiceTests) checks that
// every ```swift block of the guides appears in a samples file, line for line.
import Configuration
import CoreMetrics
import Logging
import ServiceLifecycle
import Sluice
import SluiceConfigurationReader
import SluiceMetrics
import SluiceServiceLifecycle
import Tracing

/// The trace id of the request a task serves, as a tracing library keeps it in ServiceContext.
enum TraceIDKey: ServiceContextKey {
    typealias Value = String
}

extension Logger.MetadataProvider {
    /// `trace_id` from the task's ServiceContext, when it has one.
    static let traceID = Logger.MetadataProvider {
        guard let id = ServiceContext.current?[TraceIDKey.self] else { return [:] }
        return ["trace_id": .string(id)]
    }
}

/// The application's own server, as a Service.
struct PaymentsServer: Service {
    let logger: Logger

    func run() async throws {
        logger.info("listening")
        try? await gracefulShutdown()
        logger.info("drained")
    }
}

enum PaymentsService {
    static func main() async throws {
        try Sluice.bootstrap()  // the default core, configured from the environment
        LoggingSystem.bootstrap(
            { label, provider in SluiceLogHandler(label: label, metadataProvider: provider) },
            metadataProvider: .traceID)  // every line logged while serving a request carries its trace id
        let logger = Logger(label: "payments")
        let group = ServiceGroup(
            services: [SluiceService(), SluiceMetricsBridge(interval: .seconds(10)), PaymentsServer(logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        try await group.run()  // on SIGTERM: the server drains, then Sluice writes everything and closes
    }
}

func serviceGuideMetricsBackend(_ backend: any MetricsFactory) {
    MetricsSystem.bootstrap(backend)  // swift-prometheus, swift-otel, StatsD: once, before the group runs
}

func serviceGuideRequest(_ logger: Logger, traceID: String) {
    var context = ServiceContext.topLevel
    context[TraceIDKey.self] = traceID  // a tracing library (swift-otel) does this for you
    ServiceContext.withValue(context) {
        logger.info("charging")  // … trace_id=4bf92f3577b34da6a3ce929d0e0e4736
    }
}

// docs/configuration.md, "From swift-configuration".
func configurationGuideReader() async throws {
    let file = try await ReloadingFileProvider<JSONSnapshot>(filePath: "/etc/payments/logging.json")
    let reader = SluiceConfigReader(
        ConfigReader(providers: [EnvironmentVariablesProvider(), file]),  // the first provider that has a key wins
        modules: ["db", "http"])  // modules whose keys count before they have a logger
    try reader.bootstrap()  // the default core, from the reader instead of the process environment
    let group = ServiceGroup(
        services: [file, reader, SluiceService()],  // the file polled; its level and rate changes followed
        gracefulShutdownSignals: [.sigterm],
        logger: Logger(label: "payments"))
    try await group.run()
}

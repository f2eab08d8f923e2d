import CoreMetrics
import ServiceLifecycle
import Sluice
import Synchronization

/// A core's counters, gauges and latency summaries, reported into swift-metrics on an interval,
/// so that they reach whatever backend the service bootstrapped (swift-prometheus, swift-otel,
/// StatsD) under the names `SluiceStats.prometheusText()` uses:
///
/// - every counter (`sluice_records_written_total{core,module}`, …) as a `Counter`, incremented
///   by what it grew since the last reading;
/// - every gauge (`sluice_queue_depth_bytes{core}`, `sluice_queue_high_water_bytes{core}`, …) as
///   a `Meter`, set to the value read;
/// - each histogram (`sluice_log_call_seconds`, `sluice_end_to_end_seconds`, …) as a summary:
///   `Meter`s with a `quantile` dimension (0.5, 0.9, 0.99, 0.999, over the core's life, in
///   seconds for durations) and a `<name>_count` `Counter`. swift-metrics has no type that
///   carries a histogram's buckets; `SluiceStats.prometheusText()` does.
///
/// It reads the shared counters the log call already keeps: the log call does no work for it.
///
/// ```swift
/// let group = ServiceGroup(
///     services: [SluiceService(), SluiceMetricsBridge(interval: .seconds(10)), server],
///     gracefulShutdownSignals: [.sigterm], logger: logger)
/// ```
public struct SluiceMetricsBridge: Service, CustomStringConvertible {
    private let core: SluiceCore?
    /// How often the counters are read.
    public let interval: Duration
    private let reporter: Reporter

    /// Reports `core` (the default core, `Sluice`, when nil) every `interval` into `factory`
    /// (the bootstrapped `MetricsSystem` when nil).
    public init(core: SluiceCore? = nil, interval: Duration = .seconds(10), factory: (any MetricsFactory)? = nil) {
        self.core = core
        self.interval = interval
        reporter = Reporter(factory: factory)
    }

    /// The service's name in a `ServiceGroup`'s logs.
    public var description: String { "SluiceMetricsBridge" }

    /// Reports every `interval` until cancelled or shut down gracefully, and once more then,
    /// after a flush (at most `finalFlushTimeout`), so that the last report counts every record
    /// logged before the shutdown began.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            report()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break  // cancelled, or shutting down
            }
        }
        if let core { core.flush(timeout: Self.finalFlushTimeout) } else { Sluice.flush(timeout: Self.finalFlushTimeout) }
        report()
    }

    /// The longest the final report waits for the writer to write what was logged before it.
    public static let finalFlushTimeout: Duration = .seconds(2)

    /// Reads the core's statistics now and reports what changed since the last reading.
    public func report() {
        reporter.report(core?.stats ?? Sluice.stats)
    }
}

/// The metrics made so far, and each counter's last reading.
private final class Reporter: Sendable {
    private struct Key: Hashable {
        var name: String
        var dimensions: [String]
    }

    private struct State {
        var counters: [Key: (metric: Counter, last: UInt64)] = [:]
        var meters: [Key: Meter] = [:]
    }

    private let factory: (any MetricsFactory)?
    private let state = Mutex(State())

    init(factory: (any MetricsFactory)?) {
        self.factory = factory
    }

    func report(_ stats: SluiceStats) {
        let factory = self.factory ?? MetricsSystem.factory  // bootstrapped by now, if not at init
        state.withLock { state in
            func count(_ name: String, _ dimensions: [(String, String)], _ value: UInt64) {
                let key = Key(name: name, dimensions: dimensions.flatMap { [$0.0, $0.1] })
                let entry = state.counters[key] ?? (Counter(label: name, dimensions: dimensions, factory: factory), 0)
                let grown = value >= entry.last ? value - entry.last : value  // all of it after a reset: a new core
                if grown > 0 { entry.metric.increment(by: grown) }
                state.counters[key] = (entry.metric, value)
            }
            func set(_ name: String, _ dimensions: [(String, String)], _ value: Double) {
                let key = Key(name: name, dimensions: dimensions.flatMap { [$0.0, $0.1] })
                let meter = state.meters[key] ?? Meter(label: name, dimensions: dimensions, factory: factory)
                meter.set(value)
                state.meters[key] = meter
            }
            for metric in stats.metrics {
                let dimensions = metric.labels.map { ($0.name, $0.value) }
                switch metric.kind {
                case .counter: count(metric.name, dimensions, metric.value)
                case .gauge: set(metric.name, dimensions, Double(metric.value))
                }
            }
            let core = ("core", "\(stats.coreID)")
            for histogram in SluiceHistogram.allCases {
                guard let summary = stats.histograms[histogram] else { continue }
                let scale = histogram.isDuration ? 1e-9 : 1
                let quantiles = [("0.5", summary.p50), ("0.9", summary.p90), ("0.99", summary.p99), ("0.999", summary.p999)]
                for (quantile, value) in quantiles {
                    set(histogram.prometheusName, [core, ("quantile", quantile)], value * scale)
                }
                count(histogram.prometheusName + "_count", [core], summary.count)
            }
        }
    }
}

import CSluice
import Logging

/// A core's counters, per-module counters and histograms at one moment.
///
/// Read in-process with ``Sluice/stats`` or ``SluiceCore/stats``, or from a
/// running process's mapping with ``SluiceStatsMapping``. Counters are exact;
/// accepted = written + dropped once nothing is queued.
public struct SluiceStats: Sendable, Equatable {
    /// The process the core is in.
    public var pid: Int32
    /// The core's id, unique in its process (the `core` label of ``prometheusText(_:)``).
    public var coreID: UInt64
    /// The core's counters, summed over its threads.
    public var counters: SluiceCore.Counters
    /// By module name.
    public var modules: [String: ModuleStats]
    /// Every histogram the core keeps: durations in ns (``SluiceHistogram/isDuration``), batch sizes in records.
    public var histograms: [SluiceHistogram: HistogramSummary]
    /// Each sink, the first (whose counts are the core's `written` and `droppedBySink`) first.
    public var sinks: [SinkStats]
    /// Each of the core's rings, one per CPU (``SluiceConfiguration/rings``): the counters'
    /// `depthBytes` is their sum, `highWaterBytes` the deepest any of them has been.
    public var rings: [RingStats]
    /// The records each render thread has rendered, the writer's first
    /// (``SluiceConfiguration/renderThreads``); empty for a synchronous core.
    public var renderThreadRecords: [UInt64]

    /// One ring: how full it is, and the fullest it has been.
    public struct RingStats: Sendable, Equatable {
        /// Bytes reserved in the ring and not yet released by the writer.
        public var depthBytes: UInt64
        /// The deepest the ring has been, in bytes.
        public var highWaterBytes: UInt64
    }

    /// One sink: what it is, what it takes, and what became of what it took.
    public struct SinkStats: Sendable, Equatable {
        /// Its path, `stderr` or `stdout`.
        public var name: String
        /// The lowest level it takes.
        public var level: Logger.Level
        /// The format of its lines.
        public var format: SluiceConfiguration.Format
        /// Records written to it.
        public var written: UInt64
        /// Bytes written to it, drop reports included.
        public var bytes: UInt64
        /// Writes to it that failed.
        public var writeErrors: UInt64
        /// Records it took and could not write.
        public var dropped: UInt64
    }

    /// One module's counters and its settings now.
    public struct ModuleStats: Sendable, Equatable {
        /// The level in effect.
        public var level: Logger.Level
        /// The level set at run time (`sluice level`, ``Sluice/setLevel(_:module:)``), which wins
        /// over levels set in code until reset; nil when none is.
        public var operatorLevel: Logger.Level?
        /// The module's sample rate in effect, in [0, 1].
        public var sampleRate: Double
        /// Records of the module handed to the core.
        public var accepted: UInt64
        /// Records of the module written to the first sink.
        public var written: UInt64
        /// Records of the module not written (a full ring, a closed core, a failing sink).
        public var dropped: UInt64
        /// Calls of the module a sampling logger left out.
        public var sampledOut: UInt64
        /// Calls of the module below its level.
        public var filtered: UInt64
        /// Sampling keys of the module forgotten to make room for new ones.
        public var samplingKeysForgotten: UInt64

        /// Two cores' counts of one module added up; the settings are the left one's.
        public static func + (a: ModuleStats, b: ModuleStats) -> ModuleStats {
            var sum = a
            sum.accepted += b.accepted
            sum.written += b.written
            sum.dropped += b.dropped
            sum.sampledOut += b.sampledOut
            sum.filtered += b.filtered
            sum.samplingKeysForgotten += b.samplingKeysForgotten
            return sum
        }
    }

    /// A log-linear histogram's summary: percentiles within 1% (buckets 1/64 of a power of two wide).
    public struct HistogramSummary: Sendable, Equatable {
        /// Values recorded.
        public var count: UInt64
        /// Their sum.
        public var sum: UInt64
        /// The smallest (`UInt64.max` while none is recorded).
        public var min: UInt64
        /// The largest.
        public var max: UInt64
        /// ``sum`` over ``count``.
        public var mean: Double
        /// The median.
        public var p50: Double
        /// The 90th percentile.
        public var p90: Double
        /// The 99th percentile.
        public var p99: Double
        /// The 99.9th percentile.
        public var p999: Double
        /// `below[i]`: how many values were under 2^i.
        public var below: [UInt64]
    }

    /// Reads a mapping (a core's own, or one opened from outside).
    init(reading stats: OpaquePointer) {
        var c = sluice_counters()
        sluice_stats_counters(stats, &c)
        pid = sluice_stats_pid(stats)
        coreID = sluice_stats_core_id(stats)
        counters = SluiceCore.Counters(c)
        modules = [:]
        for id in 0..<sluice_stats_module_count(stats) {
            var m = sluice_module_counters()
            guard sluice_stats_module(stats, id, &m) == SLUICE_OK else { continue }
            let name = withUnsafeBytes(of: &m.name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            modules[name] = ModuleStats(
                level: Logger.Level(sluiceLevel: m.level),
                operatorLevel: m.operator_level == SLUICE_LEVEL_UNSET ? nil : Logger.Level(sluiceLevel: m.operator_level),
                sampleRate: Double(m.sample_ppm) / 1_000_000,
                accepted: m.accepted, written: m.written, dropped: m.dropped, sampledOut: m.sampled_out,
                filtered: m.filtered, samplingKeysForgotten: m.keys_forgotten)
        }
        sinks = (0..<sluice_stats_sink_count(stats)).compactMap { index in
            var c = sluice_sink_counters()
            guard sluice_stats_sink(stats, index, &c) == SLUICE_OK else { return nil }
            let name = withUnsafeBytes(of: &c.name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            return SinkStats(
                name: name, level: Logger.Level(sluiceLevel: c.level), format: SluiceConfiguration.Format(sluiceFormat: c.format),
                written: c.written, bytes: c.bytes, writeErrors: c.write_errors, dropped: c.dropped)
        }
        rings = (0..<sluice_stats_ring_count(stats)).compactMap { index in
            var c = sluice_ring_counters()
            guard sluice_stats_ring(stats, index, &c) == SLUICE_OK else { return nil }
            return RingStats(depthBytes: c.depth_bytes, highWaterBytes: c.high_water_bytes)
        }
        renderThreadRecords = (0..<sluice_stats_render_thread_count(stats)).map { sluice_stats_render_thread_records(stats, $0) }
        histograms = [:]
        for histogram in SluiceHistogram.allCases {
            var h = sluice_histogram()
            sluice_stats_histogram(stats, histogram.coreIndex, &h)
            let below = withUnsafeBytes(of: &h.below) { Array($0.bindMemory(to: UInt64.self)) }
            histograms[histogram] = HistogramSummary(
                count: h.count, sum: h.sum, min: h.min, max: h.max, mean: h.mean, p50: h.p50, p90: h.p90,
                p99: h.p99, p999: h.p999, below: below)
        }
    }
}

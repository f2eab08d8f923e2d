import Logging

extension SluiceStats {
    /// This core's counters and histograms in Prometheus's text exposition format
    /// (0.0.4), for a service's existing /metrics endpoint; ``prometheusText(_:)``
    /// puts several cores in one.
    public func prometheusText() -> String {
        Self.prometheusText([self])
    }

    /// Cores' counters and histograms in one exposition: each family once, every
    /// series labelled with its core (`core="1"`), so that the cores' series never
    /// collide. Record counters are per module too (`…{core="1",module="db"}`);
    /// durations are in seconds. Histogram buckets are the powers of two: a bucket
    /// holds the values up to `le` = 2^i − 1 ns (or records), which for whole
    /// nanoseconds is exactly "below 2^i".
    public static func prometheusText(_ cores: [SluiceStats]) -> String {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        // Each family once, its series from every core.
        var families: [(name: String, kind: SluiceMetric.Kind, help: String)] = []
        var series: [String: String] = [:]
        for stats in cores {
            for metric in stats.metrics {
                if series[metric.name] == nil { families.append((metric.name, metric.kind, metric.help)) }
                let labels = metric.labels.map { "\($0.name)=\"\(escapedLabel($0.value))\"" }.joined(separator: ",")
                series[metric.name, default: ""] += "\(metric.name){\(labels)} \(metric.value)\n"
            }
        }
        for (name, kind, help) in families {
            family(name, kind.rawValue, help)
            text += series[name]!
        }
        for histogram in SluiceHistogram.allCases {
            let name = histogram.prometheusName
            let scale = histogram.isDuration ? 1e-9 : 1
            family(name, "histogram", histogram.help)
            for stats in cores {
                guard let h = stats.histograms[histogram] else { continue }
                let core = "core=\"\(stats.coreID)\""
                for (power, count) in h.below.enumerated() {
                    let most = Double((UInt64(1) << power) - 1) * scale  // below 2^i: at most 2^i - 1
                    text += "\(name)_bucket{\(core),le=\"\(number(most))\"} \(count)\n"
                }
                text += "\(name)_bucket{\(core),le=\"+Inf\"} \(h.count)\n"
                text += "\(name)_sum{\(core)} \(number(Double(h.sum) * scale))\n"
                text += "\(name)_count{\(core)} \(h.count)\n"
            }
        }
        return text
    }

    /// Every counter and gauge of this core, one per series, family by family: the names, help and
    /// labels of ``prometheusText()``, for anything that reports them elsewhere (swift-metrics).
    public var metrics: [SluiceMetric] {
        var metrics: [SluiceMetric] = []
        let core = SluiceMetric.Label(name: "core", value: "\(coreID)")
        func add(_ name: String, _ kind: SluiceMetric.Kind, _ help: String, _ labels: [SluiceMetric.Label], _ value: UInt64) {
            metrics.append(SluiceMetric(name: name, kind: kind, help: help, labels: [core] + labels, value: value))
        }
        let perModule: [(String, String, KeyPath<ModuleStats, UInt64>)] = [
            ("sluice_records_accepted_total", "Records handed to the core.", \.accepted),
            ("sluice_records_written_total", "Records written to the sink.", \.written),
            ("sluice_records_dropped_total", "Records dropped: ring full, core closed, sink failure, or abandoned at close.", \.dropped),
            ("sluice_records_sampled_out_total", "Calls a sampling logger left out.", \.sampledOut),
            ("sluice_records_filtered_total", "Calls below their module's level.", \.filtered),
            ("sluice_sampling_keys_forgotten_total", "Sampling keys forgotten to make room for new ones.", \.samplingKeysForgotten),
        ]
        for (name, help, field) in perModule {
            for module in modules.keys.sorted() {
                add(name, .counter, help, [.init(name: "module", value: module)], modules[module]![keyPath: field])
            }
        }
        let perCore: [(String, SluiceMetric.Kind, String, KeyPath<SluiceCore.Counters, UInt64>)] = [
            ("sluice_bytes_written_total", .counter, "Bytes handed to the sink.", \.bytesWritten),
            ("sluice_write_errors_total", .counter, "Failed writes.", \.writeErrors),
            ("sluice_records_truncated_total", .counter, "Records cut to the ring's largest message.", \.truncated),
            ("sluice_flushes_total", .counter, "Flushes that waited for the writer.", \.flushes),
            ("sluice_rotations_total", .counter, "Log file rotations.", \.rotations),
            ("sluice_rotation_failures_total", .counter, "Rotations that could not rename or reopen the log file.", \.rotationFailures),
            ("sluice_reopens_total", .counter, "Log file reopens asked for.", \.reopens),
            ("sluice_queue_depth_bytes", .gauge, "Ring bytes not yet released by the writer.", \.depthBytes),
            ("sluice_queue_depth_records", .gauge, "Records accepted and not yet written or dropped.", \.depthRecords),
            ("sluice_queue_high_water_bytes", .gauge, "The deepest the ring has been, in bytes.", \.highWaterBytes),
            ("sluice_queue_capacity_bytes", .gauge, "The ring's capacity.", \.ringBytes),
        ]
        for (name, kind, help, field) in perCore {
            add(name, kind, help, [], counters[keyPath: field])
        }
        for level in Logger.Level.allCases {
            add("sluice_records_dropped_by_level_total", .counter, "Records dropped, by their level.",
                [.init(name: "level", value: "\(level)")], counters.droppedByLevel[level] ?? 0)
        }
        let perSink: [(String, String, KeyPath<SinkStats, UInt64>)] = [
            ("sluice_sink_records_written_total", "Records written to each sink.", \.written),
            ("sluice_sink_bytes_written_total", "Bytes written to each sink.", \.bytes),
            ("sluice_sink_write_errors_total", "Failed writes of each sink.", \.writeErrors),
            ("sluice_sink_records_dropped_total", "Records each sink took and could not write.", \.dropped),
        ]
        for (name, help, field) in perSink {
            for (index, sink) in sinks.enumerated() {
                add(name, .counter, help, [.init(name: "sink", value: "\(index)"), .init(name: "name", value: sink.name)],
                    sink[keyPath: field])
            }
        }
        return metrics
    }

    /// A label value with `\`, `"` and line feeds escaped, as the format requires. By Unicode
    /// scalar: Swift's Characters merge CR LF into one, which a match on "\n" never sees.
    static func escapedLabel(_ value: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped.append(contentsOf: #"\\"#.unicodeScalars)
            case "\"": escaped.append(contentsOf: #"\""#.unicodeScalars)
            case "\n": escaped.append(contentsOf: #"\n"#.unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

/// One series of a core's counters or gauges (``SluiceStats/metrics``), named as
/// ``SluiceStats/prometheusText()`` names it.
public struct SluiceMetric: Sendable, Equatable {
    /// Whether the series only grows (`counter`) or goes up and down (`gauge`).
    public enum Kind: String, Sendable {
        /// A count that only grows; a value that goes up and down.
        case counter, gauge
    }

    /// One label of the series: `name="value"`.
    public struct Label: Sendable, Equatable {
        /// The label's name.
        public var name: String
        /// The label's value.
        public var value: String
    }

    /// The family's name, `sluice_` first.
    public var name: String
    /// Counter or gauge.
    public var kind: Kind
    /// What the family counts, as its `# HELP` line says.
    public var help: String
    /// `core` first, then `module`, `level`, or `sink` and `name`, as the family has them.
    public var labels: [Label]
    /// The series' value now.
    public var value: UInt64
}

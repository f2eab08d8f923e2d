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
        let perModule: [(String, String, KeyPath<ModuleStats, UInt64>)] = [
            ("sluice_records_accepted_total", "Records handed to the core.", \.accepted),
            ("sluice_records_written_total", "Records written to the sink.", \.written),
            ("sluice_records_dropped_total", "Records dropped: ring full, core closed, sink failure, or abandoned at close.", \.dropped),
            ("sluice_records_sampled_out_total", "Calls a sampling logger left out.", \.sampledOut),
            ("sluice_records_filtered_total", "Calls below their module's level.", \.filtered),
            ("sluice_sampling_keys_forgotten_total", "Sampling keys forgotten to make room for new ones.", \.samplingKeysForgotten),
        ]
        for (name, help, field) in perModule {
            family(name, "counter", help)
            for stats in cores {
                for module in stats.modules.keys.sorted() {
                    text += "\(name){core=\"\(stats.coreID)\",module=\"\(escapedLabel(module))\"} \(stats.modules[module]![keyPath: field])\n"
                }
            }
        }
        let perCore: [(String, String, String, KeyPath<SluiceCore.Counters, UInt64>)] = [
            ("sluice_bytes_written_total", "counter", "Bytes handed to the sink.", \.bytesWritten),
            ("sluice_write_errors_total", "counter", "Failed writes.", \.writeErrors),
            ("sluice_records_truncated_total", "counter", "Records cut to the ring's largest message.", \.truncated),
            ("sluice_flushes_total", "counter", "Flushes that waited for the writer.", \.flushes),
            ("sluice_rotations_total", "counter", "Log file rotations.", \.rotations),
            ("sluice_rotation_failures_total", "counter", "Rotations that could not rename or reopen the log file.", \.rotationFailures),
            ("sluice_reopens_total", "counter", "Log file reopens asked for.", \.reopens),
            ("sluice_queue_depth_bytes", "gauge", "Ring bytes not yet released by the writer.", \.depthBytes),
            ("sluice_queue_depth_records", "gauge", "Records accepted and not yet written or dropped.", \.depthRecords),
            ("sluice_queue_high_water_bytes", "gauge", "The deepest the ring has been, in bytes.", \.highWaterBytes),
            ("sluice_queue_capacity_bytes", "gauge", "The ring's capacity.", \.ringBytes),
        ]
        for (name, type, help, field) in perCore {
            family(name, type, help)
            for stats in cores {
                text += "\(name){core=\"\(stats.coreID)\"} \(stats.counters[keyPath: field])\n"
            }
        }
        family("sluice_records_dropped_by_level_total", "counter", "Records dropped, by their level.")
        for stats in cores {
            for level in Logger.Level.allCases {
                text += "sluice_records_dropped_by_level_total{core=\"\(stats.coreID)\",level=\"\(level)\"} \(stats.counters.droppedByLevel[level] ?? 0)\n"
            }
        }
        let perSink: [(String, String, KeyPath<SinkStats, UInt64>)] = [
            ("sluice_sink_records_written_total", "Records written to each sink.", \.written),
            ("sluice_sink_bytes_written_total", "Bytes written to each sink.", \.bytes),
            ("sluice_sink_write_errors_total", "Failed writes of each sink.", \.writeErrors),
            ("sluice_sink_records_dropped_total", "Records each sink took and could not write.", \.dropped),
        ]
        for (name, help, field) in perSink {
            family(name, "counter", help)
            for stats in cores {
                for (index, sink) in stats.sinks.enumerated() {
                    text += "\(name){core=\"\(stats.coreID)\",sink=\"\(index)\",name=\"\(escapedLabel(sink.name))\"} \(sink[keyPath: field])\n"
                }
            }
        }
        for histogram in SluiceHistogram.allCases {
            let name = histogram.prometheusName
            let scale = histogram.isDuration ? 1e-9 : 1
            family(name, "histogram", histogram.help)
            for stats in cores {
                guard let h = stats.histograms[histogram.name] else { continue }
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

    /// A label value with `\`, `"` and newlines escaped, as the format requires.
    static func escapedLabel(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

import Logging

extension SluiceStats {
    /// The counters and histograms in Prometheus's text exposition format (0.0.4),
    /// for a service's existing /metrics endpoint. Record counters are per module
    /// (`sluice_records_dropped_total{module="…"}`); durations are in seconds, and
    /// histogram buckets are the powers of two (`le` in ns: 1, 2, 4, …).
    public func prometheusText() -> String {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        let names = modules.keys.sorted()
        let perModule: [(String, String, KeyPath<ModuleStats, UInt64>)] = [
            ("sluice_records_accepted_total", "Records handed to the core.", \.accepted),
            ("sluice_records_written_total", "Records written to the sink.", \.written),
            ("sluice_records_dropped_total", "Records dropped: ring full, core closed, sink failure, or abandoned at close.", \.dropped),
            ("sluice_records_sampled_out_total", "Calls a sampling logger left out.", \.sampledOut),
            ("sluice_records_filtered_total", "Calls below their module's level.", \.filtered),
        ]
        for (name, help, field) in perModule {
            family(name, "counter", help)
            for module in names {
                text += "\(name){module=\"\(Self.escapedLabel(module))\"} \(modules[module]![keyPath: field])\n"
            }
        }
        let core: [(String, String, String, UInt64)] = [
            ("sluice_bytes_written_total", "counter", "Bytes handed to the sink.", counters.bytesWritten),
            ("sluice_write_errors_total", "counter", "Failed writes.", counters.writeErrors),
            ("sluice_records_truncated_total", "counter", "Records cut to the ring's largest message.", counters.truncated),
            ("sluice_flushes_total", "counter", "Flushes that waited for the writer.", counters.flushes),
            ("sluice_rotations_total", "counter", "Sink file rotations.", counters.rotations),
            ("sluice_queue_depth_bytes", "gauge", "Ring bytes not yet released by the writer.", counters.depthBytes),
            ("sluice_queue_depth_records", "gauge", "Records accepted and not yet written or dropped.", counters.depthRecords),
            ("sluice_queue_high_water_bytes", "gauge", "The deepest the ring has been, in bytes.", counters.highWaterBytes),
            ("sluice_queue_capacity_bytes", "gauge", "The ring's capacity.", counters.ringBytes),
        ]
        for (name, type, help, value) in core {
            family(name, type, help)
            text += "\(name) \(value)\n"
        }
        let histogramFamilies: [(String, String, String, Double)] = [
            ("call_latency", "sluice_call_duration_seconds", "Time inside a timed log call.", 1e-9),
            ("end_to_end_latency", "sluice_end_to_end_seconds", "A record's timestamp to its batch being written.", 1e-9),
            ("write_duration", "sluice_write_duration_seconds", "Time of each write to the sink.", 1e-9),
            ("batch_records", "sluice_batch_records", "Records per write.", 1),
        ]
        for (key, name, help, scale) in histogramFamilies {
            guard let h = histograms[key] else { continue }
            family(name, "histogram", help)
            for (power, count) in h.below.enumerated() {
                text += "\(name)_bucket{le=\"\(Self.number(Double(UInt64(1) << power) * scale))\"} \(count)\n"
            }
            text += "\(name)_bucket{le=\"+Inf\"} \(h.count)\n"
            text += "\(name)_sum \(Self.number(Double(h.sum) * scale))\n"
            text += "\(name)_count \(h.count)\n"
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

import CSluice

/// The histograms every core keeps (the keys of ``SluiceStats/histograms``): one list for the
/// core's numbering, the names in `sluice stat` and its JSON, and the Prometheus families.
public enum SluiceHistogram: CaseIterable, Sendable {
    /// Nanoseconds inside a timed log call (1 call in `callTimingEvery`).
    case callLatency
    /// Nanoseconds from a record's timestamp to its batch being written.
    case endToEndLatency
    /// Nanoseconds each write to the sink took.
    case writeDuration
    /// Records per write.
    case batchRecords
    /// Nanoseconds a record at warning or above waited for room under the drop policy.
    case warningWait

    /// Its name in `sluice stat` and its JSON.
    public var name: String {
        switch self {
        case .callLatency: "call_latency"
        case .endToEndLatency: "end_to_end_latency"
        case .writeDuration: "write_duration"
        case .batchRecords: "batch_records"
        case .warningWait: "warning_wait"
        }
    }

    /// The Prometheus family, in seconds for durations.
    public var prometheusName: String {
        switch self {
        case .callLatency: "sluice_call_duration_seconds"
        case .endToEndLatency: "sluice_end_to_end_seconds"
        case .writeDuration: "sluice_write_duration_seconds"
        case .batchRecords: "sluice_batch_records"
        case .warningWait: "sluice_warning_wait_seconds"
        }
    }

    /// The Prometheus family's help text.
    var help: String {
        switch self {
        case .callLatency: "Time inside a timed log call."
        case .endToEndLatency: "A record's timestamp to its batch being written."
        case .writeDuration: "Time of each write to the sink."
        case .batchRecords: "Records per write."
        case .warningWait: "Time a warning or worse waited for room in a full ring (drop policy)."
        }
    }

    /// True for nanoseconds, false for a count of records.
    public var isDuration: Bool { self != .batchRecords }

    /// The core's number for it (`SLUICE_HISTOGRAM_*`).
    var coreIndex: Int32 {
        switch self {
        case .callLatency: Int32(SLUICE_HISTOGRAM_CALL)
        case .endToEndLatency: Int32(SLUICE_HISTOGRAM_END_TO_END)
        case .writeDuration: Int32(SLUICE_HISTOGRAM_WRITE)
        case .batchRecords: Int32(SLUICE_HISTOGRAM_BATCH_RECORDS)
        case .warningWait: Int32(SLUICE_HISTOGRAM_WARNING_WAIT)
        }
    }
}
